// Export progress: poll the job's status and show the download link when it is ready.
// Without JavaScript the page offers a "Refresh" link instead.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var state = box.querySelector(".job-state");

  function show(data) {
    var message = state.querySelector(".job-message");
    var bar = state.querySelector(".job-progress");
    if (data.state === "done") {
      state.textContent = "";
      var p = document.createElement("p");
      p.className = "job-message";
      p.textContent = "Your file is ready.";
      var link = document.createElement("a");
      link.className = "button primary job-download";
      link.href = data.download_url;
      link.textContent = "Download " + data.filename;
      var holder = document.createElement("p");
      holder.appendChild(link);
      state.appendChild(p);
      state.appendChild(holder);
      return true;
    }
    if (data.state === "failed") {
      message.textContent = "The export failed: " + (data.error || "unknown error");
      message.className = "job-message error";
      if (bar) { bar.remove(); }
      return true;
    }
    if (message) { message.textContent = "Preparing your file… " + data.progress + "% done."; }
    if (bar) { bar.value = data.progress; bar.textContent = data.progress + "%"; }
    return false;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (!show(data)) { window.setTimeout(poll, 800); } })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  if (!box.querySelector(".job-download")) { window.setTimeout(poll, 400); }
})();
