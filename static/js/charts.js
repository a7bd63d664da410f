/*
 * charts.js: draws every <canvas class="chart" data-chart="…"> on the page with Chart.js 4.
 *
 * Plain ES2017 (async/await), no modules, no eval, no inline handlers or styles: safe under
 *   script-src 'self'; style-src 'self'
 * Loaded by templates/spending/_charts_scripts.html, both deferred, Chart.js first:
 *   vendor/chartjs/chart.umd.min.js, then js/charts.js (fingerprinted static URLs, ?v=<sha256>)
 *
 * Markup contract (the `chart` macro of templates/_macros/data.html):
 *   <div class="chart-box">
 *     <canvas class="chart" data-chart="areas|trend|totals|national|rates"
 *             data-src="/api/v1/…[#part]" data-labels='{"budget": "…", …}'
 *             role="img" aria-label="…"></canvas>
 *   </div>
 * data-chart picks a builder (BUILDERS); data-src is a JSON endpoint, whose #part names the chart
 * of a "rates" document (data.charts[part], "rates" by default); data-labels overrides the
 * DEFAULT_LABELS (budget, adjusted, executed, city, national, growth, notFromZero).
 * Colours: an area's trend and national charts draw in the area's own colour, sent with the data
 * (data.colour, from portal/spending/areas.py); the areas, totals and rates charts and the
 * national series use the fixed colours below (one per series, so a legend matches its bars).
 *
 * Every chart repeats numbers already in an HTML table, so the chart is an enhancement only:
 * any failure leaves the page usable and is reported via
 *   canvas.dataset.chartError = "<reason>" and .chart-box.chart-failed
 * A drawn chart gets canvas.dataset.chartReady = "true" (canvas.dataset.chartPending meanwhile);
 * a chart with nothing to draw (a national comparison without national figures, a rates chart
 * without years) gets canvas.dataset.chartEmpty and .chart-box.chart-empty.
 */
(function () {
  "use strict";

  var Chart = window.Chart;
  if (typeof Chart !== "function") {
    return; // Chart.js not loaded: tables alone carry the data.
  }

  var FETCH_TIMEOUT_MS = 15000;
  var TOTALS_COLOUR = "#333333";
  var NATIONAL_COLOUR = "#999999";
  var NEUTRAL = "#555555";
  var BUDGET_COLOUR = "#5d9cc4";
  var EXECUTED_COLOUR = "#0b4f6c";

  var lang = (document.documentElement.getAttribute("lang") || "").trim() || "en";
  var isZh = /^zh\b/i.test(lang);

  var DEFAULT_LABELS = isZh
    ? { budget: "预算数", adjusted: "调整预算数", executed: "决算数",
        city: "本市", national: "全国", growth: "增长率", notFromZero: "纵轴不从零开始" }
    : { budget: "Budget", adjusted: "Adjusted budget", executed: "Outturn",
        city: "City", national: "National", growth: "Growth",
        notFromZero: "The axis does not start at zero" };

  /* ---------- number formatting ---------- */

  function numberFormat(options) {
    try {
      return new Intl.NumberFormat(lang, options);
    } catch (e) {
      // Unknown/invalid lang tag: fall back to the browser's default locale.
      return new Intl.NumberFormat(undefined, options);
    }
  }

  var fmtTick = numberFormat({ notation: "compact", maximumFractionDigits: 1 });
  var fmtYi = numberFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var fmtCompact2 = numberFormat({
    notation: "compact", minimumFractionDigits: 2, maximumFractionDigits: 2
  });
  var fmtPct = numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var fmtPctTick = numberFormat({ maximumFractionDigits: 1 });

  function isNum(v) {
    return typeof v === "number" && isFinite(v);
  }

  function formatMoney(v) {
    if (!isNum(v)) return "";
    return isZh ? fmtYi.format(v / 1e8) + "亿元" : "CNY " + fmtCompact2.format(v);
  }

  function formatPct(v) {
    return isNum(v) ? fmtPct.format(v) + "%" : "";
  }

  /* ---------- small helpers ---------- */

  function toNum(v) {
    if (v === null || v === undefined || v === "") return null;
    var n = typeof v === "number" ? v : Number(v);
    return isFinite(n) ? n : null;
  }

  function allNull(arr) {
    for (var i = 0; i < arr.length; i++) {
      if (arr[i] !== null) return false;
    }
    return true;
  }

  function parseHex(colour) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(colour || "").trim());
    if (!m) return null;
    var h = m[1];
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }

  function safeColour(colour, fallback) {
    var rgb = parseHex(colour);
    return rgb ? "#" + String(colour).trim().replace(/^#/, "") : fallback;
  }

  function withAlpha(colour, alpha) {
    var rgb = parseHex(colour) || parseHex(NEUTRAL);
    return "rgba(" + rgb[0] + "," + rgb[1] + "," + rgb[2] + "," + alpha + ")";
  }

  function boxOf(canvas) {
    return canvas.closest(".chart-box") || canvas.parentElement;
  }

  function readLabels(canvas) {
    var labels = Object.assign({}, DEFAULT_LABELS);
    var raw = canvas.getAttribute("data-labels");
    if (raw) {
      try {
        var parsed = JSON.parse(raw);
        if (parsed && typeof parsed === "object") {
          Object.keys(parsed).forEach(function (k) {
            if (typeof parsed[k] === "string" && parsed[k]) labels[k] = parsed[k];
          });
        }
      } catch (e) {
        console.warn("charts.js: ignoring malformed data-labels: " + (e && e.message));
      }
    }
    return labels;
  }

  // Long category names (English): wrap at spaces to fit one category's
  // width. If some word does not fit, labels stay on one line and Chart.js
  // rotates them instead (rotated multi-line text is messy).
  var measureCtx = null;
  function textWidth(text, font) {
    if (!measureCtx) {
      measureCtx = document.createElement("canvas").getContext("2d");
      if (!measureCtx) return text.length * 7.5;
    }
    measureCtx.font = font;
    return measureCtx.measureText(text).width;
  }

  function wordsFit(texts, maxWidth, font) {
    return texts.every(function (text) {
      return String(text).split(/\s+/).every(function (w) {
        return textWidth(w, font) <= maxWidth;
      });
    });
  }

  function wrapLabel(text, maxWidth, font) {
    text = String(text == null ? "" : text);
    if (text.indexOf(" ") < 0 || textWidth(text, font) <= maxWidth) return text;
    var words = text.split(/\s+/);
    var lines = [], line = "";
    words.forEach(function (w) {
      var candidate = line ? line + " " + w : w;
      if (line && textWidth(candidate, font) > maxWidth) {
        lines.push(line);
        line = w;
      } else {
        line = candidate;
      }
    });
    if (line) lines.push(line);
    return lines;
  }

  function ChartDataError(code) {
    this.name = "ChartDataError";
    this.message = code;
  }
  ChartDataError.prototype = Object.create(Error.prototype);

  /* ---------- global Chart.js defaults ---------- */

  var reduceMotion = window.matchMedia
    ? window.matchMedia("(prefers-reduced-motion: reduce)")
    : null;

  function applyDefaults() {
    var bodyStyle = window.getComputedStyle(document.body);
    if (bodyStyle.fontFamily) Chart.defaults.font.family = bodyStyle.fontFamily;
    Chart.defaults.font.size = 13;
    if (bodyStyle.color) Chart.defaults.color = bodyStyle.color;
    Chart.defaults.locale = lang;
  }

  function animationOption() {
    return reduceMotion && reduceMotion.matches ? false : { duration: 600 };
  }

  var drawn = [];

  if (reduceMotion) {
    var onMotionChange = function () {
      drawn.forEach(function (chart) {
        chart.options.animation = animationOption();
        chart.update("none");
      });
    };
    if (reduceMotion.addEventListener) reduceMotion.addEventListener("change", onMotionChange);
    else if (reduceMotion.addListener) reduceMotion.addListener(onMotionChange);
  }

  // Marks the canvas ready once the chart has actually been rendered
  // (after the entry animation, if any).
  var readyPlugin = {
    id: "portalReady",
    afterRender: function (chart) {
      if (chart.canvas && chart.canvas.dataset.chartReady !== "true") {
        chart.canvas.dataset.chartReady = "true";
      }
    }
  };

  /* ---------- shared option builders ---------- */

  function moneyTooltip() {
    return {
      mode: "index",
      intersect: false,
      filter: function (item) { return isNum(item.parsed.y); },
      callbacks: {
        label: function (ctx) {
          return (ctx.dataset.label || "") + ": " + formatMoney(ctx.parsed.y);
        }
      }
    };
  }

  function baseOptions(extra) {
    return Object.assign({
      responsive: true,
      maintainAspectRatio: false,
      animation: animationOption(),
      interaction: { mode: "index", intersect: false },
      locale: lang
    }, extra);
  }

  function moneyYAxis() {
    return {
      beginAtZero: true,
      ticks: {
        callback: function (value) { return fmtTick.format(value); }
      }
    };
  }

  // A "nice" number at or below v: one or two significant figures (8,734 -> 8,000).
  function niceFloor(v) {
    if (!(v > 0)) return 0;
    var step = Math.pow(10, Math.floor(Math.log(v) / Math.LN10));
    if (v / step < 2) step /= 2;
    return Math.floor(v / step) * step;
  }

  // A trend's axis: from zero the year-to-year changes of a large total look flat, so the axis
  // starts just below the smallest value and its title says it does not start at zero.
  function trendYAxis(values, labels) {
    var nums = values.filter(isNum);
    if (nums.length === 0) return moneyYAxis();
    var lo = Math.min.apply(null, nums), hi = Math.max.apply(null, nums);
    var pad = (hi - lo) * 0.25 || Math.abs(hi) * 0.1;
    var min = lo > 0 ? niceFloor(lo - pad) : null;
    if (min === null || min <= 0) return moneyYAxis();
    var axis = moneyYAxis();
    axis.beginAtZero = false;
    axis.min = min;
    axis.title = { display: true, text: labels.notFromZero };
    return axis;
  }

  /* ---------- chart builders ---------- */

  function buildAreas(data, labels) {
    if (!data || !Array.isArray(data.areas) || data.areas.length === 0) {
      throw new ChartDataError("bad-data");
    }
    var areas = data.areas.filter(function (a) { return a && typeof a === "object"; });
    if (areas.length === 0) throw new ChartDataError("bad-data");
    var names = areas.map(function (a) { return String(a.name != null ? a.name : (a.slug || "")); });
    var budget = areas.map(function (a) { return toNum(a.budget); });
    var executed = areas.map(function (a) { return toNum(a.executed); });

    // One colour per series (not per area), so the legend's boxes are the bars' own colours:
    // light outlined = budget, solid = final accounts. The areas are named on the axis.
    var datasets = [{
      label: labels.budget,
      data: budget,
      backgroundColor: withAlpha(BUDGET_COLOUR, 0.3),
      borderColor: BUDGET_COLOUR,
      borderWidth: 2
    }];
    if (!allNull(executed)) {
      datasets.push({
        label: labels.executed,
        data: executed,
        backgroundColor: EXECUTED_COLOUR,
        borderColor: EXECUTED_COLOUR,
        borderWidth: 2
      });
    }

    return {
      type: "bar",
      data: { labels: names, datasets: datasets },
      options: baseOptions({
        scales: {
          x: {
            grid: { display: false },
            ticks: {
              autoSkip: false,
              maxRotation: 60,
              // Wrap long names to the width of one category; `this` is the
              // scale, whose width is the space the layout gives the x axis.
              callback: function (value) {
                var label = this.getLabelForValue(value);
                var font = Chart.defaults.font.size + "px " + Chart.defaults.font.family;
                var per = (this.width || this.chart.width) / Math.max(1, names.length) - 12;
                // Wrap all or none, so labels are either all level or all rotated.
                this.$portalWrapped = wordsFit(names, per, font);
                return this.$portalWrapped ? wrapLabel(label, per, font) : label;
              }
            },
            // Chart.js picks the smallest rotation that avoids overlap, which
            // for long names can be a shallow angle that still touches:
            // use at least 45 degrees once rotation is needed.
            afterCalculateLabelRotation: function (scale) {
              if (!scale.$portalWrapped && scale.labelRotation > 0 && scale.labelRotation < 45) {
                scale.labelRotation = 45;
              }
            }
          },
          y: moneyYAxis()
        },
        plugins: {
          legend: { position: "top" },
          tooltip: moneyTooltip()
        }
      })
    };
  }

  function buildSeries(series, colour, labels) {
    if (!Array.isArray(series) || series.length === 0) {
      throw new ChartDataError("bad-data");
    }
    var rows = series.filter(function (r) { return r && r.year != null; });
    if (rows.length === 0) throw new ChartDataError("bad-data");
    var years = rows.map(function (r) { return String(r.year); });
    var budget = rows.map(function (r) { return toNum(r.budget); });
    var executed = rows.map(function (r) { return toNum(r.executed); });

    var datasets = [{
      label: labels.budget,
      data: budget,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      borderDash: [6, 4],
      pointStyle: "circle",
      pointRadius: 3,
      pointHoverRadius: 5,
      pointBackgroundColor: "#ffffff",
      pointBorderColor: colour,
      pointBorderWidth: 2,
      spanGaps: false,
      order: 2,
      portalLegendStyle: "line"
    }];
    if (!allNull(executed)) {
      datasets.push({
        label: labels.executed,
        data: executed,
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: 2.5,
        pointStyle: "rectRot",
        pointRadius: 5,
        pointHoverRadius: 7,
        pointBackgroundColor: colour,
        pointBorderColor: colour,
        spanGaps: false,
        order: 1,
        portalLegendStyle: "rectRot"
      });
    }

    var baseGenerate = Chart.defaults.plugins.legend.labels.generateLabels;
    return {
      type: "line",
      data: { labels: years, datasets: datasets },
      options: baseOptions({
        scales: {
          x: { grid: { display: false } },
          y: trendYAxis(budget.concat(executed), labels)
        },
        plugins: {
          legend: {
            position: "top",
            labels: {
              usePointStyle: true,
              boxHeight: 10,
              // Keep dataset order (budget first) despite draw order.
              sort: function (a, b) { return a.datasetIndex - b.datasetIndex; },
              // Legend icon = dashed line for budget, solid diamond marker
              // for executed: distinguishable without colour.
              generateLabels: function (chart) {
                return baseGenerate(chart).map(function (item) {
                  var ds = chart.data.datasets[item.datasetIndex];
                  if (ds && ds.portalLegendStyle) {
                    item.pointStyle = ds.portalLegendStyle;
                    item.fillStyle = ds.borderColor;
                    item.strokeStyle = ds.borderColor;
                    item.lineWidth = 2;
                    item.lineDash = ds.borderDash || [];
                  }
                  return item;
                });
              }
            }
          },
          tooltip: moneyTooltip()
        }
      })
    };
  }

  function buildTrend(data, labels) {
    if (!data || typeof data !== "object") throw new ChartDataError("bad-data");
    return buildSeries(data.series, safeColour(data.colour, TOTALS_COLOUR), labels);
  }

  function buildTotals(data, labels) {
    if (!data || typeof data !== "object") throw new ChartDataError("bad-data");
    return buildSeries(data.series, TOTALS_COLOUR, labels);
  }

  // Grey fill with white diagonal stripes, crisp on high-DPI screens.
  function stripePattern(ctx, base) {
    var dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
    var size = 8 * dpr;
    var tile = document.createElement("canvas");
    tile.width = size;
    tile.height = size;
    var t = tile.getContext("2d");
    if (!t) return base;
    t.fillStyle = base;
    t.fillRect(0, 0, size, size);
    t.strokeStyle = "rgba(255,255,255,0.85)";
    t.lineWidth = 1.6 * dpr;
    t.lineCap = "square";
    t.beginPath();
    // Main diagonal plus the two corner pieces so the tile repeats seamlessly.
    t.moveTo(0, size);
    t.lineTo(size, 0);
    t.moveTo(-size / 2, size / 2);
    t.lineTo(size / 2, -size / 2);
    t.moveTo(size / 2, size + size / 2);
    t.lineTo(size + size / 2, size / 2);
    t.stroke();
    var pattern = ctx.createPattern(tile, "repeat");
    if (!pattern) return base;
    if (dpr !== 1 && typeof pattern.setTransform === "function" && typeof DOMMatrix === "function") {
      try {
        pattern.setTransform(new DOMMatrix().scaleSelf(1 / dpr, 1 / dpr));
      } catch (e) { /* keep the unscaled pattern */ }
    }
    return pattern;
  }

  function buildNational(data, labels, canvas) {
    if (!data || typeof data !== "object") throw new ChartDataError("bad-data");
    var nc = data.national_context;
    var rows = nc && Array.isArray(nc.rows)
      ? nc.rows.filter(function (r) { return r && r.year != null; })
      : [];
    var years = rows.map(function (r) { return String(r.year); });
    var city = rows.map(function (r) { return toNum(r.city_growth); });
    var national = rows.map(function (r) { return toNum(r.national_growth); });
    if (rows.length === 0 || (allNull(city) && allNull(national))) {
      return null; // nothing to draw
    }
    var colour = safeColour(data.colour, TOTALS_COLOUR);
    var ctx = canvas.getContext("2d");
    var natFill = ctx ? stripePattern(ctx, NATIONAL_COLOUR) : NATIONAL_COLOUR;

    return {
      type: "bar",
      data: {
        labels: years,
        datasets: [{
          label: labels.city,
          data: city,
          backgroundColor: colour,
          borderColor: colour,
          borderWidth: 1
        }, {
          label: labels.national,
          data: national,
          backgroundColor: natFill,
          borderColor: "#666666",
          borderWidth: 1
        }]
      },
      options: baseOptions({
        scales: {
          x: { grid: { display: false } },
          y: {
            beginAtZero: true,
            title: { display: !!labels.growth, text: labels.growth },
            ticks: {
              callback: function (value) { return fmtPctTick.format(value) + "%"; }
            }
          }
        },
        plugins: {
          legend: { position: "top" },
          tooltip: {
            mode: "index",
            intersect: false,
            filter: function (item) { return isNum(item.parsed.y); },
            callbacks: {
              label: function (c) {
                return (c.dataset.label || "") + ": " + formatPct(c.parsed.y);
              }
            }
          }
        }
      })
    };
  }

  // Percentages per group (e.g. rates per year). The data holds several charts under
  // data.charts; the fragment of data-src ("...#rates") names the one to draw. Series are told
  // apart by the legend and the tooltip as well as by colour.
  var RATE_COLOURS = ["#0b4f6c", "#5d9cc4", "#b3d4e6", "#666666", "#bbbbbb"];

  function buildRates(data, labels, canvas) {
    var src = canvas.getAttribute("data-src") || "";
    var name = src.indexOf("#") >= 0 ? src.slice(src.indexOf("#") + 1) : "rates";
    var spec = data && data.charts && Object.prototype.hasOwnProperty.call(data.charts, name)
      ? data.charts[name] : null;
    if (!spec || !Array.isArray(spec.labels) || !Array.isArray(spec.series) || spec.series.length === 0) {
      throw new ChartDataError("bad-data");
    }
    if (spec.labels.length === 0) return null;
    var stacked = !!spec.stacked;
    var datasets = spec.series.map(function (s, i) {
      var colour = RATE_COLOURS[i % RATE_COLOURS.length];
      return {
        label: String(s.label != null ? s.label : s.key),
        data: (Array.isArray(s.values) ? s.values : []).map(function (v) {
          var n = toNum(v);
          return n === null ? null : n * 100;
        }),
        backgroundColor: colour,
        borderColor: "#ffffff",
        borderWidth: 1,
        clip: false // a bar at 100% keeps its top edge
      };
    });
    return {
      type: "bar",
      data: { labels: spec.labels.map(String), datasets: datasets },
      options: baseOptions({
        layout: { padding: { top: 6 } },
        scales: {
          x: { stacked: stacked, grid: { display: false } },
          y: {
            stacked: stacked,
            beginAtZero: true,
            max: 100,
            ticks: { callback: function (value) { return fmtPctTick.format(value) + "%"; } }
          }
        },
        plugins: {
          legend: { position: "top" },
          tooltip: {
            mode: "index",
            intersect: false,
            filter: function (item) { return isNum(item.parsed.y); },
            callbacks: {
              label: function (c) { return (c.dataset.label || "") + ": " + formatPct(c.parsed.y); }
            }
          }
        }
      })
    };
  }

  var BUILDERS = {
    areas: buildAreas,
    trend: buildTrend,
    totals: buildTotals,
    national: buildNational,
    rates: buildRates
  };

  /* ---------- fetching and drawing ---------- */

  function fetchJson(src) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, FETCH_TIMEOUT_MS) : null;
    var init = {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    };
    if (controller) init.signal = controller.signal;
    return fetch(src, init).then(function (res) {
      if (!res.ok) throw new ChartDataError("http-" + res.status);
      return res.text();
    }, function (err) {
      throw new ChartDataError(err && err.name === "AbortError" ? "timeout" : "network");
    }).then(function (text) {
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new ChartDataError("bad-json");
      }
    }).then(function (value) {
      if (timer) clearTimeout(timer);
      return value;
    }, function (err) {
      if (timer) clearTimeout(timer);
      throw err;
    });
  }

  function fail(canvas, reason, err) {
    canvas.dataset.chartError = reason;
    delete canvas.dataset.chartReady;
    var box = boxOf(canvas);
    if (box) box.classList.add("chart-failed");
    var msg = "charts.js: chart not drawn (" + reason + ") " + (canvas.getAttribute("data-src") || "");
    if (err && !(err instanceof ChartDataError)) console.warn(msg, err);
    else console.warn(msg);
  }

  async function drawOne(canvas) {
    if (canvas.dataset.chartReady === "true" || canvas.dataset.chartPending === "true") return;
    if (Chart.getChart && Chart.getChart(canvas)) return;
    var kind = canvas.getAttribute("data-chart");
    var builder = Object.prototype.hasOwnProperty.call(BUILDERS, kind) ? BUILDERS[kind] : null;
    if (!builder) {
      fail(canvas, "unknown-kind");
      return;
    }
    var src = canvas.getAttribute("data-src");
    if (!src) {
      fail(canvas, "no-src");
      return;
    }
    canvas.dataset.chartPending = "true";
    try {
      var data;
      try {
        data = await fetchJson(src);
      } catch (err) {
        fail(canvas, err instanceof ChartDataError ? err.message : "network", err);
        return;
      }
      var config;
      try {
        config = builder(data, readLabels(canvas), canvas);
      } catch (err) {
        fail(canvas, err instanceof ChartDataError ? err.message : "bad-data", err);
        return;
      }
      if (config === null) {
        canvas.dataset.chartEmpty = "true";
        var box = boxOf(canvas);
        if (box) box.classList.add("chart-empty");
        return;
      }
      config.plugins = [readyPlugin];
      try {
        drawn.push(new Chart(canvas, config));
      } catch (err) {
        fail(canvas, "render", err);
      }
    } finally {
      delete canvas.dataset.chartPending;
    }
  }

  function init() {
    var canvases = document.querySelectorAll("canvas.chart[data-chart]");
    if (canvases.length === 0) return;
    try {
      applyDefaults();
    } catch (e) {
      console.warn("charts.js: could not apply defaults", e);
    }
    Array.prototype.forEach.call(canvases, function (canvas) {
      drawOne(canvas).catch(function (err) { fail(canvas, "render", err); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
