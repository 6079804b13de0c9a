/* Evidence notes: how much room is left, as the person types or pastes (issue 15).
 * The limit is data-max-chars; the words come from the page (data-count-left/-over, with {num} and {max}).
 * Nothing is ever cut: a note over the limit is refused by the server and kept on the page. */
(function () {
  "use strict";
  function update(area) {
    var counter = document.getElementById(area.getAttribute("aria-describedby"));
    var limit = parseInt(area.dataset.maxChars, 10);
    if (!counter || !limit) { return; }
    // The server counts characters after turning CR LF into LF and trimming the ends.
    var used = area.value.replace(/\r\n/g, "\n").trim().length;
    var over = used > limit;
    var words = over ? area.dataset.countOver : area.dataset.countLeft;
    counter.textContent = words
      .replace("{num}", (over ? used - limit : limit - used).toLocaleString("en-US"))
      .replace("{max}", limit.toLocaleString("en-US"));
    counter.classList.toggle("over", over);
  }
  document.addEventListener("input", function (e) {
    if (e.target.dataset && e.target.dataset.maxChars) { update(e.target); }
  });
  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-max-chars]"), update);
})();
