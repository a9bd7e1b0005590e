/// The constant parts of the status page: the document head with its style sheet, and the script
/// that refreshes the page from `/cluster` (building the same markup `StatusPage.render` does).
extension StatusPage {
    static let head = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>murmur · cluster status</title>
        <style>
        :root{--bg:#0f1419;--panel:#171d24;--line:#252e38;--text:#e6edf3;--muted:#8b98a5;
        --ok:#3fb950;--warn:#d29922;--bad:#f85149;--info:#58a6ff;--bar:#2b3440}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--text);
        font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        header{display:flex;align-items:center;gap:24px;padding:16px 28px;border-bottom:1px solid var(--line);
        background:#121920;position:sticky;top:0;z-index:1}
        .brand{font-weight:700;font-size:18px;letter-spacing:.5px}.logo{color:var(--info)}
        .verdict{font-size:18px;font-weight:600;padding:4px 14px;border-radius:999px;background:var(--panel)}
        .verdict.ok{color:var(--ok)}.verdict.warn{color:var(--warn)}.verdict.bad{color:var(--bad)}
        .updated{margin-left:auto;color:var(--muted);font-size:12px;display:flex;align-items:center;gap:8px}
        .dot{width:9px;height:9px;border-radius:50%;background:var(--ok);box-shadow:0 0 6px var(--ok)}
        .stale .dot{background:var(--bad);box-shadow:0 0 6px var(--bad)}
        main{padding:20px 28px;display:grid;gap:18px;grid-template-columns:1fr 1fr;max-width:1500px}
        .tiles{grid-column:1/-1;display:grid;grid-template-columns:repeat(4,1fr);gap:14px}
        .tile{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:12px 16px;
        display:flex;flex-direction:column}
        .tile .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.6px}
        .tile .value{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums}
        .tile.ok .value{color:var(--ok)}.tile.warn .value{color:var(--warn)}
        .tile.bad .value{color:var(--bad)}.tile.info .value{color:var(--info)}
        .panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:14px 18px;min-width:0}
        .panel h2{margin:0 0 10px;font-size:13px;color:var(--muted);text-transform:uppercase;letter-spacing:.7px}
        .panel:has(#members),.panel:has(#events){grid-column:1/-1}
        .figures{display:flex;gap:28px;flex-wrap:wrap}
        .figure{display:flex;flex-direction:column}
        .figure .value{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
        .figure .label{color:var(--muted);font-size:12px}
        ul,ol{list-style:none;margin:0;padding:0}
        #hints li{padding:7px 0;border-bottom:1px solid var(--line)}#hints li:last-child{border:0}
        .sev{display:inline-block;min-width:66px;margin-right:10px;padding:1px 8px;border-radius:6px;font-size:11px;
        font-weight:700;text-transform:uppercase;text-align:center}
        [data-severity=info] .sev{background:#1f3a5f;color:var(--info)}
        [data-severity=warning] .sev{background:#4b3a12;color:var(--warn)}
        [data-severity=critical] .sev{background:#5a1e1e;color:var(--bad)}
        .none,.muted{color:var(--muted)}
        .scroll{overflow-x:auto}
        table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
        th{text-align:left;color:var(--muted);font-weight:500;font-size:12px;padding:6px 10px;
        border-bottom:1px solid var(--line);white-space:nowrap}
        td{padding:9px 10px;border-bottom:1px solid var(--line);white-space:nowrap;vertical-align:middle}
        tr.member:last-child td{border-bottom:0}
        .member-name{font-weight:600}
        .role{margin-left:8px;font-size:11px;color:var(--muted);border:1px solid var(--line);border-radius:5px;
        padding:0 6px}
        .addr{color:var(--muted);font-size:12px}
        .num{text-align:right}
        .pill{display:inline-block;padding:1px 10px;border-radius:999px;font-size:12px;font-weight:600}
        .health-up,.state-alive{background:#12361f;color:var(--ok)}
        .health-down,.state-dead{background:#4a1c1c;color:var(--bad)}
        .health-draining,.state-suspect{background:#45360f;color:var(--warn)}
        .health-starting{background:#1f3a5f;color:var(--info)}.state-left{background:#2b3440;color:var(--muted)}
        .bar{display:inline-block;vertical-align:middle;width:90px;height:8px;background:var(--bar);
        border-radius:4px;overflow:hidden;margin-right:8px}
        .bar i{display:block;height:100%;background:var(--info)}
        .bar.ok i{background:var(--ok)}.bar.warn i{background:var(--warn)}.bar.bad i{background:var(--bad)}
        #events{max-height:320px;overflow-y:auto}
        #events li{display:flex;gap:12px;padding:5px 0;border-bottom:1px solid var(--line)}
        #events time{color:var(--muted);font-variant-numeric:tabular-nums}
        .kind{min-width:76px;font-weight:600}
        .k-joined,.k-alive,.k-ready{color:var(--ok)}.k-suspect,.k-draining{color:var(--warn)}
        .k-dead{color:var(--bad)}.k-left{color:var(--muted)}.k-starting,.k-restarted{color:var(--info)}
        @media (max-width:900px){main{grid-template-columns:1fr}.tiles{grid-template-columns:repeat(2,1fr)}}
        </style></head><body>
        """#

    static let script = #"""
        <script>
        (function () {
          "use strict";
          var $ = function (id) { return document.getElementById(id); };
          function esc(s) {
            return String(s).replace(/[&<>"']/g, function (c) {
              return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
            });
          }
          function fixed(v, d) { return (typeof v === "number" && isFinite(v)) ? v.toFixed(d) : "—"; }
          function pct(v) { return (typeof v === "number" && isFinite(v)) ? (v * 100).toFixed(1) + "%" : "—"; }
          function ms(v) {
            if (typeof v !== "number" || !isFinite(v)) return "—";
            return (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) + " ms";
          }
          function dur(s) {
            if (typeof s !== "number" || !isFinite(s) || s < 0) return "—";
            var t = Math.floor(s), d = Math.floor(t / 86400), h = Math.floor(t / 3600) % 24,
                m = Math.floor(t / 60) % 60, r = t % 60;
            if (d > 0) return d + "d " + h + "h";
            if (h > 0) return h + "h " + m + "m";
            if (m > 0) return m + "m " + r + "s";
            return r + "s";
          }
          function two(v) { return v < 10 ? "0" + v : String(v); }
          function clock(u) {
            if (typeof u !== "number" || !isFinite(u)) return "—";
            var s = ((Math.floor(u) % 86400) + 86400) % 86400;
            return two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
          }
          function tile(id, label, value, tone) {
            return '<div class="tile ' + tone + '" id="tile-' + id + '"><span class="label">' + label +
              '</span><span class="value">' + value + "</span></div>";
          }
          function figure(field, label, value) {
            return '<div class="figure" data-field="' + field + '"><span class="value">' + value +
              '</span><span class="label">' + label + "</span></div>";
          }
          function bar(kind, value, scale, limit) {
            var width = scale > 0 ? Math.min(value / scale, 1) * 100 : 0;
            var level = limit > 0 ? value / limit : 0;
            var tone = level >= 0.8 ? "bad" : level >= 0.5 ? "warn" : "ok";
            return '<td class="' + kind + '" title="' + value + " of " + limit + '"><div class="bar ' + tone +
              '"><i style="width:' + width.toFixed(1) + '%"></i></div><span>' + value + "</span></td>";
          }
          function row(m, scaleInFlight, scaleQueue, limits) {
            var h = '<tr class="member" data-name="' + esc(m.name) + '" data-health="' + esc(m.health) +
              '" data-state="' + esc(m.state) + '" data-role="' + esc(m.role || "unknown") + '">';
            h += '<td class="name"><span class="member-name">' + esc(m.name) + '</span><span class="role">' +
              esc(m.role || "?") + '</span><div class="addr">' + esc(m.http || "—") + "</div></td>";
            h += '<td><span class="pill state-' + esc(m.state) + '">' + esc(m.state) + "</span></td>";
            h += '<td class="health"><span class="pill health-' + esc(m.health) + '">' + esc(m.health) +
              "</span></td>";
            h += bar("in-flight", m.in_flight, scaleInFlight, limits.max_in_flight_per_backend);
            h += bar("queue", m.queue_depth, scaleQueue, limits.max_queued_texts);
            var served = typeof m.requests_per_s === "number";
            h += '<td class="rps num">' + (served ? fixed(m.requests_per_s, 1) : "—") + "</td>";
            h += '<td class="latency num">' + ms(m.p50_ms) + " / " + ms(m.p99_ms) + "</td>";
            h += '<td class="cache num">' + pct(m.cache_hit_rate) + "</td>";
            if (typeof m.ring_share === "number") {
              var p = (m.ring_share * 100).toFixed(1);
              h += '<td class="ring"><div class="bar"><i style="width:' + p + '%"></i></div><span>' + p +
                "%</span></td>";
            } else {
              h += '<td class="ring muted">—</td>';
            }
            h += '<td class="uptime num">' + dur(m.uptime_s) + "</td>";
            h += '<td class="incarnation num">' + esc(m.incarnation) + "</td>";
            h += '<td class="version">' + esc(m.version || "—") + "</td></tr>";
            return h;
          }
          function render(d) {
            var s = d.summary, members = d.members || [], limits = d.limits || {};
            var verdict = $("verdict");
            verdict.textContent = s.verdict;
            verdict.className = "verdict " + (s.nodes === 0 || s.ready === 0 ? "bad" : s.ready === s.nodes ? "ok" : "warn");
            $("tiles").innerHTML =
              tile("ready", "Ready", s.ready + "/" + s.nodes, s.ready === s.nodes ? "ok" : "warn") +
              tile("suspect", "Suspect", s.suspect, s.suspect > 0 ? "warn" : "") +
              tile("down", "Down", s.down, s.down > 0 ? "bad" : "") +
              tile("draining", "Draining", s.draining, s.draining > 0 ? "info" : "");
            var g = d.gateway, panel = $("gateway");
            if (g && panel) {
              panel.querySelector(".figures").innerHTML =
                figure("requests_per_s", "req/s", fixed(g.requests_per_s, 1)) +
                figure("p50_ms", "p50", ms(g.p50_ms)) + figure("p99_ms", "p99", ms(g.p99_ms)) +
                figure("in_flight", "in flight", g.in_flight) +
                figure("errors_per_s", "errors/s", fixed(g.errors_per_s, 1));
            }
            var hints = d.hints || [];
            $("hints").innerHTML = hints.length === 0
              ? '<li class="none">Nothing to report: the cluster looks healthy.</li>'
              : hints.map(function (x) {
                  return '<li class="hint" data-severity="' + esc(x.severity) + '"><span class="sev">' +
                    esc(x.severity) + "</span>" + esc(x.message) + "</li>";
                }).join("");
            var scaleInFlight = 8, scaleQueue = 8;
            members.forEach(function (m) {
              scaleInFlight = Math.max(scaleInFlight, m.in_flight);
              scaleQueue = Math.max(scaleQueue, m.queue_depth);
            });
            $("members").tBodies[0].innerHTML = members.map(function (m) {
              return row(m, scaleInFlight, scaleQueue, limits);
            }).join("");
            var events = d.events || [];
            $("events").innerHTML = events.length === 0 ? '<li class="none">No events yet.</li>'
              : events.map(function (e) {
                  return '<li class="event" data-kind="' + esc(e.kind) + '" data-member="' + esc(e.member) +
                    '"><time>' + clock(e.at) + '</time><span class="kind k-' + esc(e.kind) + '">' + esc(e.kind) +
                    '</span><span class="who">' + esc(e.member) + "</span></li>";
                }).join("");
            $("updated-text").textContent = "as of " + clock(d.generated_at) + " UTC";
          }
          function refresh() {
            fetch("/cluster", { cache: "no-store" })
              .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
              .then(function (d) { render(d); $("updated").classList.remove("stale"); })
              .catch(function () { $("updated").classList.add("stale"); $("updated-text").textContent = "gateway unreachable"; });
          }
          try { render(JSON.parse($("cluster-data").textContent)); } catch (e) { }
          setInterval(refresh, 1000);
        })();
        </script>
        """#
}
