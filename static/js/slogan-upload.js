// Chunked, resumable upload of an original video for the slogan check, then the check's
// state until it is done. Each [data-slogan-check] block carries its URLs. A chunk is sent
// with its offset; on a 409 the server says where to resume. The upload's name is kept in
// localStorage under the entry and the file's name, size and date, so choosing the same file
// again after a lost connection or a reload continues where it stopped.
(function () {
  "use strict";
  var RETRIES = 5;

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function request(method, url, body, contentType) {
    var headers = { "X-CSRFToken": csrf(), "Accept": "application/json" };
    if (contentType) { headers["Content-Type"] = contentType; }
    return fetch(url, { method: method, headers: headers, body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      });
  }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function mb(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  function setup(block) {
    var form = block.querySelector("form.slogan-upload");
    var input = form.querySelector('input[type="file"]');
    var button = form.querySelector('button[type="submit"]');
    var progress = block.querySelector("[data-progress]");
    var state = block.querySelector("[data-state]");
    var startUrl = block.getAttribute("data-start-url");
    var stateUrl = block.getAttribute("data-state-url");
    var maxBytes = parseInt(block.getAttribute("data-max-bytes"), 10);
    var chunkBytes = parseInt(block.getAttribute("data-chunk-bytes"), 10);

    function say(text) { progress.textContent = text; }

    function showCheck(check) {
      if (!check) { return; }
      var text = "口号字幕检查：" + check.state_label;
      if (check.state === "done" && check.label) { text += " · " + check.label; }
      if (check.state === "failed" && check.error) { text += " · " + check.error; }
      state.textContent = text;
    }

    function poll() {
      return request("GET", stateUrl).then(function (reply) {
        var check = reply.data.check;
        showCheck(check);
        if (check && (check.state === "queued" || check.state === "running")) {
          return wait(2000).then(poll);
        }
        if (check && check.state === "done" && block.hasAttribute("data-reload-when-done")) {
          window.location.reload();
        }
        return check;
      });
    }

    // The entrant's consent to keep the original for blind judging (sent when the upload starts).
    var keepBox = form.querySelector("[data-keep]");
    function keeping() { return !!(keepBox && keepBox.checked); }

    function key(file) {
      return "slogan-upload:" + startUrl + ":" + file.name + ":" + file.size + ":" + file.lastModified + ":" + keeping();
    }

    function begin(file) {
      var saved = window.localStorage ? window.localStorage.getItem(key(file)) : null;
      if (saved) {
        return request("GET", startUrl + "/" + saved).then(function (reply) {
          if (reply.status === 200) { return { upload: saved, offset: reply.data.offset, chunk: chunkBytes }; }
          window.localStorage.removeItem(key(file));
          return begin(file);
        });
      }
      return request("POST", startUrl, JSON.stringify({ size: file.size, keep_for_judging: keeping() }), "application/json").then(function (reply) {
        if (reply.status !== 201) { throw new Error(reply.data.error || "无法开始上传。"); }
        if (window.localStorage) { window.localStorage.setItem(key(file), reply.data.upload); }
        return { upload: reply.data.upload, offset: reply.data.offset, chunk: reply.data.chunk_bytes };
      });
    }

    function send(file, upload, offset, chunk, failures) {
      if (offset >= file.size) { return Promise.resolve(null); }
      say("正在上传：" + mb(offset) + " / " + mb(file.size) + "（" + Math.floor(offset * 100 / file.size) + "%）");
      var url = startUrl + "/" + upload + "?offset=" + offset;
      return request("PUT", url, file.slice(offset, offset + chunk), "application/octet-stream").then(function (reply) {
        if (reply.status === 200) { return send(file, upload, reply.data.offset, chunk, 0); }
        if (reply.status === 201) { return reply.data.check; }
        if (reply.status === 409 && typeof reply.data.offset === "number") {
          return send(file, upload, reply.data.offset, chunk, failures);
        }
        if (reply.status >= 500 && failures < RETRIES) {
          return wait(1000 * (failures + 1)).then(function () { return resume(file, upload, chunk, failures + 1); });
        }
        if (window.localStorage) { window.localStorage.removeItem(key(file)); }
        throw new Error(reply.data.error || "上传失败，请重试。");
      }, function () {
        if (failures >= RETRIES) { throw new Error("网络中断了。再次选择同一个文件上传，会从中断处继续。"); }
        say("网络中断，正在重试……");
        return wait(1000 * (failures + 1)).then(function () { return resume(file, upload, chunk, failures + 1); });
      });
    }

    function resume(file, upload, chunk, failures) {
      return request("GET", startUrl + "/" + upload).then(function (reply) {
        if (reply.status !== 200) { throw new Error(reply.data.error || "上传已失效，请重新上传。"); }
        return send(file, upload, reply.data.offset, chunk, failures);
      }, function () {
        if (failures >= RETRIES) { throw new Error("网络中断了。再次选择同一个文件上传，会从中断处继续。"); }
        return wait(1000 * (failures + 1)).then(function () { return resume(file, upload, chunk, failures + 1); });
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = input.files && input.files[0];
      if (!file) { say("请选择要上传的原视频。"); return; }
      if (file.size > maxBytes) { say("原视频不能超过 200 MB。"); return; }
      button.disabled = true;
      begin(file).then(function (started) {
        return send(file, started.upload, started.offset, started.chunk, 0);
      }).then(function (check) {
        if (window.localStorage) { window.localStorage.removeItem(key(file)); }
        say("上传完成，正在检查口号字幕……");
        showCheck(check);
        return poll();
      }).then(function (check) {
        if (check && check.state === "done") { say("检查完成。"); }
        if (check && check.state === "failed") { say("检查失败。"); }
      }).catch(function (error) {
        say(error.message);
      }).then(function () {
        button.disabled = false;
      });
    });

    var current = state.querySelector(".check-state-queued, .check-state-running");
    if (current) { poll(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-slogan-check]"), setup);
  });
})();
