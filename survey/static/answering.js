/* Questionnaire page: skip logic in the browser and background save of each changed answer.
 * The page works without this script: the Save button posts the whole section.
 * No inline script or styles: the page stays within a strict Content-Security-Policy. */
(function () {
  "use strict";
  var form = document.getElementById("section-form");
  if (!form) { return; }
  var skip = JSON.parse(form.dataset.skip || "{}");
  var conditions = skip.conditions || {};
  var outside = skip.outside || {};
  var editable = form.dataset.editable === "1";
  var csrfInput = form.querySelector('input[name="csrf_token"]');
  var csrf = csrfInput ? csrfInput.value : "";
  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
  var pageStatus = document.getElementById("autosave-status");
  var timers = {};
  var inflight = {};  // question id -> the save under way; one at a time per question
  var again = {};     // question id -> changed again while its save was under way

  function blockOf(el) { return el && el.closest ? el.closest("[data-question]") : null; }
  function byName(block, name) { return block.querySelectorAll('[name="' + name + '"]'); }

  // -- skip logic -----------------------------------------------------------------
  // Each question's type writes how its answer reads, on the block: data-value-kind is
  // "number" (compared as a number), "choices" (every ticked box, a list), "parts"
  // (several fields; answered once the one named by data-answer-field is filled), or
  // "choice" / "text" (one value as typed or ticked). The script never names a question
  // type, so a new type needs no change here.
  function valueIn(block) {
    var qid = block.dataset.question;
    var special = block.querySelector('input[name="' + qid + '__special"]:checked');
    if (special && special.value) { return special.value; }
    var kind = block.dataset.valueKind;
    if (kind === "parts") {
      var key = byName(block, block.dataset.answerField || qid)[0];
      return key && key.value.trim() ? { answer: key.value.trim() } : null;
    }
    var inputs = Array.prototype.slice.call(byName(block, qid));
    if (!inputs.length) { return null; }
    var raw;
    if (inputs[0].type === "radio" || inputs[0].type === "checkbox") {
      var ticked = inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
      if (kind === "choices") { return ticked.length ? ticked : null; }
      raw = ticked.length ? ticked[0] : "";
    } else {
      raw = inputs[0].value.trim();
    }
    if (!raw) { return null; }
    if (kind === "number") { return numberIn(block, raw); }
    return raw;
  }

  // Numbers are read by the server, by the rules of the person's language ("1.500" is
  // 1500 in German, 1.5 in English): the script never parses one itself. It uses the
  // number the server last read from this very text, or plain digits, which read the
  // same in every language; anything else counts as answered but compares as no number.
  function numberIn(block, raw) {
    if (/^[0-9]+$/.test(raw)) { return Number(raw); }
    if (block.dataset.number !== undefined && block.dataset.numberText === raw) {
      return Number(block.dataset.number);
    }
    return raw;
  }

  function answered(v) {
    if (v === null || v === undefined) { return false; }
    if (typeof v === "string") { return v.trim() !== ""; }
    if (Array.isArray(v)) { return v.length > 0; }
    return true;
  }

  function holds(cond, get) {
    if (cond.all) { return cond.all.every(function (c) { return holds(c, get); }); }
    if (cond.any) { return cond.any.some(function (c) { return holds(c, get); }); }
    if (cond.not) { return !holds(cond.not, get); }
    var v = get(cond.question);
    if ("answered" in cond) { return answered(v) === cond.answered; }
    if (!answered(v)) { return false; }
    if ("equals" in cond) { return v === cond.equals; }
    if ("not_equals" in cond) { return v !== cond.not_equals; }
    if ("in" in cond) { return cond["in"].indexOf(v) >= 0; }
    if ("not_in" in cond) { return cond.not_in.indexOf(v) < 0; }
    if ("includes" in cond) { return Array.isArray(v) && v.indexOf(cond.includes) >= 0; }
    if (typeof v !== "number") { return false; }
    if ("gt" in cond) { return v > cond.gt; }
    if ("gte" in cond) { return v >= cond.gte; }
    if ("lt" in cond) { return v < cond.lt; }
    if ("lte" in cond) { return v <= cond.lte; }
    return false;
  }

  function applySkipLogic() {
    var visible = {};
    var blockFor = {};
    blocks.forEach(function (b) { blockFor[b.dataset.question] = b; });
    function get(qid) {
      if (qid in visible) { return visible[qid] ? valueIn(blockFor[qid]) : null; }
      return qid in outside ? outside[qid] : null;
    }
    blocks.forEach(function (b) {
      var qid = b.dataset.question;
      var cond = conditions[qid];
      visible[qid] = !cond || holds(cond, get);
      b.hidden = !visible[qid];
    });
  }

  // -- background save ----------------------------------------------------------
  function setStatus(block, text) {
    var el = block.querySelector(".q-status");
    if (el) { el.textContent = text; }
  }

  function showError(block, message) {
    var err = block.querySelector(".error");
    if (err) {
      err.textContent = message || "";
      err.hidden = !message;
      // The fields name the message while there is one (screen readers read it with them).
      block.querySelectorAll('[name="' + block.dataset.question + '"]').forEach(function (el) {
        var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
          return id && id !== err.id;
        });
        if (message) { ids.unshift(err.id); }
        if (ids.length) { el.setAttribute("aria-describedby", ids.join(" ")); }
        else { el.removeAttribute("aria-describedby"); }
      });
    }
    block.classList.toggle("has-error", Boolean(message));
  }

  // A typed number asked about ("did you mean 1,500 or 1.5?"): the server's choices.
  function showReading(block, html) {
    var slot = block.querySelector(".reading-slot");
    if (slot) { slot.innerHTML = html || ""; }
  }

  function showSaved(block, data, posted) {
    var saved = block.querySelector(".saved-as");
    if (saved && "shown" in data) { saved.textContent = data.shown || ""; }
    if (data.number === null || data.number === undefined) {
      delete block.dataset.number;
      delete block.dataset.numberText;
    } else {
      block.dataset.number = String(data.number);
      block.dataset.numberText = posted;
    }
  }

  function typedText(block) {
    var el = byName(block, block.dataset.question)[0];
    return el && el.type !== "radio" && el.type !== "checkbox" ? el.value.trim() : "";
  }

  function fieldData(block, extra) {
    var body = new FormData();
    block.querySelectorAll("input, textarea, select").forEach(function (el) {
      if (!el.name || el.disabled || el.type === "submit" || el.type === "button") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      body.append(el.name, el.value);
    });
    Object.keys(extra || {}).forEach(function (k) { body.append(k, extra[k]); });
    return body;
  }

  function fill(block, data) {
    Object.keys(data).forEach(function (name) {
      var value = data[name];
      byName(block, name).forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") {
          el.checked = Array.isArray(value) ? value.indexOf(el.value) >= 0 : el.value === String(value);
        } else {
          el.value = value === null || value === undefined ? "" : String(value);
        }
      });
    });
  }

  function save(block, extra) {
    var qid = block.dataset.question;
    if (inflight[qid]) {  // the next save must carry the version the current one returns
      again[qid] = true;
      return inflight[qid];
    }
    inflight[qid] = send(block, extra).then(function () {
      delete inflight[qid];
      if (again[qid]) {
        delete again[qid];
        return save(block);
      }
    });
    return inflight[qid];
  }

  function send(block, extra) {
    var qid = block.dataset.question;
    var url = form.dataset.saveUrl.replace("__QID__", encodeURIComponent(qid));
    setStatus(block, form.dataset.msgSaving);
    var posted = typedText(block);
    return fetch(url, {
      method: "POST", body: fieldData(block, extra), credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.ok) {
          byName(block, qid + "__version")[0].value = data.version;
          byName(block, qid + "__seen")[0].value = data.seen;
          showError(block, "");
          showReading(block, "");
          showSaved(block, data, posted);
          applySkipLogic();
          var slot = block.querySelector(".conflict-slot");
          if (slot) { slot.innerHTML = ""; }
          var confirm = byName(block, qid + "__confirm")[0];
          if (confirm && confirm.checked) {
            var note = confirm.closest(".carried-note");
            if (note) { note.remove(); }
            block.classList.remove("carried");
          }
          if (data.checks) { showChecks(data.checks); }
          setStatus(block, data.message || form.dataset.msgSaved);
          var section = form.dataset.section;
          var nav = document.querySelector('[data-progress-for="' + section + '"]');
          if (nav && data.progress) { nav.textContent = data.progress; }
        } else if (resp.status === 422) {
          showError(block, data.error);
          showReading(block, data.ask ? data.html : "");
          setStatus(block, data.ask ? form.dataset.msgAsk : form.dataset.msgInvalid);
        } else if (resp.status === 409 && data.conflict) {
          block.querySelector(".conflict-slot").innerHTML = data.html;
          setStatus(block, form.dataset.msgConflict);
        } else if (resp.status === 401) {
          setStatus(block, form.dataset.msgExpired);
          if (pageStatus) { pageStatus.textContent = form.dataset.msgExpired; }
        } else {
          setStatus(block, data.error || form.dataset.msgFailed);
        }
      });
    }).catch(function () { setStatus(block, form.dataset.msgFailed); });
  }

  // Checks and warnings beside each question, and derived values, as the server found them
  // after a save (one answer can raise or settle a warning shown beside another).
  function showChecks(checks) {
    Object.keys(checks).forEach(function (qid) {
      var slot = form.querySelector('[data-question="' + qid + '"] .checks-slot');
      if (slot) { slot.innerHTML = checks[qid]; }
    });
    applySkipLogic();
  }

  // A warning about two answers is shown beside both: one tick confirms it in both places.
  form.addEventListener("change", function (e) {
    var id = e.target.dataset ? e.target.dataset.warning : null;
    if (!id) { return; }
    form.querySelectorAll("input[data-warning]").forEach(function (box) {
      if (box !== e.target && box.dataset.warning === id) { box.checked = e.target.checked; }
    });
  });

  function schedule(block, delay) {
    var qid = block.dataset.question;
    clearTimeout(timers[qid]);
    timers[qid] = setTimeout(function () { delete timers[qid]; save(block); }, delay);
  }

  // The Save button waits for background saves, so the page posts the versions they returned.
  var submitting = false;
  form.addEventListener("submit", function (e) {
    if (submitting || !editable) { return; }
    var pending = Object.keys(timers).length + Object.keys(inflight).length;
    if (!pending) { return; }
    e.preventDefault();
    var submitter = e.submitter;
    Object.keys(timers).forEach(function (qid) {
      clearTimeout(timers[qid]);
      delete timers[qid];
    });
    var waits = Object.keys(inflight).map(function (qid) { return inflight[qid]; });
    Promise.all(waits).then(function () {
      // After this submit event has finished: a form ignores a submit requested during one.
      setTimeout(function () {
        submitting = true;
        if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
      }, 0);
    });
  });

  form.addEventListener("change", function (e) {
    applySkipLogic();
    var block = blockOf(e.target);
    if (editable && block) { schedule(block, 0); }
  });
  form.addEventListener("input", function (e) {
    var block = blockOf(e.target);
    if (block && (e.target.type === "radio" || e.target.type === "checkbox")) { return; }
    applySkipLogic();
    if (editable && block) { schedule(block, 1500); }
  });

  // Conflict choices: keep mine (save again over the newer version) or take the saved one.
  form.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest('button[name="resolve"]') : null;
    if (!button || !editable) { return; }
    var block = blockOf(button);
    var box = button.closest(".conflict");
    if (!block || !box) { return; }
    e.preventDefault();
    var qid = block.dataset.question;
    if (button.value.indexOf("theirs:") === 0) {
      fill(block, JSON.parse(box.dataset.theirs || "{}"));
      box.remove();
      showError(block, "");
      setStatus(block, form.dataset.msgKept);
      applySkipLogic();
    } else {
      var extra = { resolve: button.value };
      extra[qid + "__saved_version"] = box.querySelector('[name="' + qid + '__saved_version"]').value;
      box.remove();
      save(block, extra);
    }
  });

  applySkipLogic();
})();
