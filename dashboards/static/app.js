// yuqing dashboard: charts, the queue's bulk selection and live updates.
// Plain JavaScript; Apache ECharts is vendored under /static/vendor/.
(function () {
  "use strict";

  // Charts: each [data-chart] holds an ECharts option built by the server.
  var charts = [];
  if (window.echarts) {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var option = JSON.parse(el.getAttribute("data-chart"));
      if (!option.series || option.series.length === 0 ||
          (option.series[0].data && option.series[0].data.length === 0)) {
        el.innerHTML = '<div class="empty">暂无数据</div>';
        return;
      }
      var chart = echarts.init(el);
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  // Bulk selection in the queue.
  var queue = document.getElementById("queue");
  var bulk = document.getElementById("bulk");
  function refreshBulk() {
    if (!queue || !bulk) return;
    var n = queue.querySelectorAll("input.pick:checked").length;
    bulk.classList.toggle("on", n > 0);
    var count = document.getElementById("bulk-count");
    if (count) count.textContent = n;
  }
  if (queue) {
    queue.addEventListener("change", function (e) {
      if (e.target.id === "pick-all") {
        queue.querySelectorAll("input.pick").forEach(function (c) { c.checked = e.target.checked; });
      }
      refreshBulk();
    });
    var action = document.getElementById("bulk-action");
    if (action) {
      var show = function () {
        document.querySelectorAll("[data-bulk]").forEach(function (el) {
          el.style.display = el.getAttribute("data-bulk") === action.value ? "" : "none";
        });
      };
      action.addEventListener("change", show);
      show();
    }
  }

  // Live updates: the server announces the newest alert id; fetch the rows
  // this user may see and put them on top, counting them in the tab title.
  if (queue && queue.dataset.live && window.EventSource) {
    var latest = Number(queue.dataset.maxId || 0);
    var fresh = 0;
    var baseTitle = document.title;
    var bar = document.getElementById("newbar");
    var source = new EventSource("/live");
    source.addEventListener("alerts", function (e) {
      var id = Number(e.data);
      if (!(id > latest)) return;
      var after = latest;
      latest = id;
      var url = "/alerts/fresh?" + queue.dataset.query + (queue.dataset.query ? "&" : "") + "after=" + after;
      fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) return null;
        var n = Number(r.headers.get("x-new-alerts") || 0);
        return r.text().then(function (html) { return { n: n, html: html }; });
      }).then(function (res) {
        if (!res || res.n === 0) return;
        var body = queue.querySelector("tbody");
        var empty = body.querySelector(".empty-row");
        if (empty) empty.remove();
        body.insertAdjacentHTML("afterbegin", res.html);
        fresh += res.n;
        document.title = "(" + fresh + ") " + baseTitle;
        if (bar) { bar.classList.add("on"); bar.querySelector("b").textContent = fresh; }
      });
    });
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && fresh > 0) {
        // Keep the count until the user has looked at the page for a moment.
        setTimeout(function () { fresh = 0; document.title = baseTitle; }, 4000);
      }
    });
  }

  // Confirm destructive forms.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();

// Editor uploads: the file goes as the request body; the stored name
// is written into the field the input names (appended for images).
(function () {
  "use strict";
  var editor = document.getElementById("editor");
  if (!editor) return;
  var status = document.getElementById("upload-status");
  editor.querySelectorAll("input[type=file][data-upload]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var target = document.getElementById(input.getAttribute("data-upload"));
      status.textContent = "正在上传 " + file.name + " …";
      status.className = "small";
      fetch("/contents/media", {
        method: "POST",
        headers: { "x-csrf-token": editor.getAttribute("data-csrf") },
        body: file
      }).then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, j: j }; });
      }).then(function (res) {
        if (!res.ok) throw new Error(res.j.error ? res.j.error.message : "上传失败");
        if (input.hasAttribute("data-append") && target.value.trim()) {
          target.value = target.value.trim() + "\n" + res.j.name;
        } else {
          target.value = res.j.name;
        }
        status.textContent = "已上传 " + file.name;
      }).catch(function (e) {
        status.textContent = e.message;
        status.className = "small error";
      });
      input.value = "";
    });
  });
})();
