// Progressive enhancement only: every page works without this file. Written in ES5 for the
// older in-app browsers of Douyin and WeChat.
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  window.contestCsrfToken = csrfToken;

  // One polite live region for short confirmations ("已复制"), created once.
  var status = null;
  function announce(text) {
    if (!status) {
      status = document.createElement("p");
      status.className = "visually-hidden";
      status.setAttribute("aria-live", "polite");
      document.body.appendChild(status);
    }
    status.textContent = "";
    setTimeout(function () { status.textContent = text; }, 50);
  }

  // Some in-app browsers have no Clipboard API (or refuse it on plain HTTP): copy through a
  // selected, off-screen textarea instead.
  function copyBySelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    document.body.removeChild(area);
    return copied;
  }

  // Header menus (<details class="menu">): on wide screens the main menu's links stand in the
  // header (<details data-open-wide> kept open); a tap elsewhere closes an open menu.
  var wide = window.matchMedia ? window.matchMedia("(min-width: 900px)") : null;
  var spread = document.querySelectorAll("details[data-open-wide]");
  function spreadMenus() {
    for (var m = 0; m < spread.length; m++) spread[m].open = !!(wide && wide.matches);
  }
  if (wide) {
    spreadMenus();
    if (wide.addEventListener) wide.addEventListener("change", spreadMenus);
    else if (wide.addListener) wide.addListener(spreadMenus);
  }
  document.addEventListener("click", function (event) {
    var open = document.querySelectorAll("details.menu[open]");
    for (var m = 0; m < open.length; m++) {
      var keep = open[m].hasAttribute("data-open-wide") && wide && wide.matches;
      if (!keep && !open[m].contains(event.target)) open[m].open = false;
    }
  });

  // Styled file inputs (<div class="file-input">): the chosen file's name beside the button.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "file" || !input.parentNode) return;
    var name = input.parentNode.querySelector(".file-name");
    if (name) name.textContent = input.files && input.files.length ? input.files[0].name : name.getAttribute("data-empty");
  });

  // One-tap copy buttons: <button data-copy="#动力株洲文旅通" hidden>. They are hidden until
  // this file runs, because without it they could not copy anything.
  var copyButtons = document.querySelectorAll("[data-copy]");
  for (var i = 0; i < copyButtons.length; i++) copyButtons[i].hidden = false;

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () {
      var label = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", label);
      button.textContent = "已复制";
      announce("已复制：" + text);
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    var fallback = function () {
      if (copyBySelection(text)) done(); else announce("复制失败，请长按文字手动复制。");
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  });

  // Countdown: <span data-countdown="ISO instant" data-countdown-label data-countdown-done>.
  // Whole minutes, like the server's text (contest.domain.gallery.remaining_text), so the
  // text (and what a screen reader hears) changes at most once a minute.
  function remainingText(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) return "不到 1 分钟";
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    var parts = days ? [days + " 天"] : [];
    if (days || hours) parts.push(hours + " 小时");
    parts.push((minutes % 60) + " 分");
    return parts.join(" ");
  }

  function startCountdown(el) {
    var target = Date.parse(el.getAttribute("data-countdown"));
    if (isNaN(target)) return;
    var label = el.getAttribute("data-countdown-label"), finished = el.getAttribute("data-countdown-done");
    var timer = null;
    function tick() {
      var left = (target - Date.now()) / 1000;
      var text = left <= 0 ? finished : label + " " + remainingText(left);
      if (el.textContent !== text) el.textContent = text;
      if (left <= 0 && timer) clearInterval(timer);
    }
    tick();
    timer = setInterval(tick, 1000);
  }
  var countdowns = document.querySelectorAll("[data-countdown]");
  for (var c = 0; c < countdowns.length; c++) startCountdown(countdowns[c]);

  // The caption check: <form data-caption-check="<result id>" data-api data-contest> asks the
  // JSON API and shows the answer in the result region; without fetch (or when it fails) the
  // form posts to the server, which renders the same answer.
  function paragraph(className, text) {
    var p = document.createElement("p");
    if (className) p.className = className;
    p.textContent = text;
    return p;
  }

  function showCaptionResult(region, body) {
    while (region.firstChild) region.removeChild(region.firstChild);
    if (body.ok) {
      region.appendChild(paragraph("ok-note", region.getAttribute("data-ok-text")));
      return;
    }
    var box = document.createElement("div");
    box.className = "problems";
    if (body.error) {
      box.appendChild(paragraph("", body.error));
    } else {
      box.appendChild(paragraph("", region.getAttribute("data-problems-text")));
      var list = document.createElement("ul");
      for (var k = 0; k < body.problems.length; k++) {
        var item = document.createElement("li");
        item.setAttribute("data-code", body.problems[k].code);
        item.textContent = body.problems[k].message;
        list.appendChild(item);
      }
      box.appendChild(list);
    }
    region.appendChild(box);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-caption-check") || !window.fetch || !window.JSON) return;
    var region = document.getElementById(form.getAttribute("data-caption-check"));
    if (!region) return;
    event.preventDefault();
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ caption: form.elements.caption.value, contest: form.getAttribute("data-contest") })
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok && !body.error) throw new Error("caption-check " + response.status);
        showCaptionResult(region, body);
      });
    }).catch(function () {
      form.submit();  // the server answers the same, as a page
    }).then(function () {
      if (button) button.disabled = false;
    });
  });
})();
