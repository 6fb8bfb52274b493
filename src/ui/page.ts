/**
 * The dashboard's markup. Everything it loads comes from this worker
 * (/ui/app.css, /ui/app.js, /ui/icon.svg); the script fills the panels from
 * GET /v1/admin/overview and GET /readyz.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Gleaner dashboard</title>
<link rel="icon" href="/ui/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/app.css">
<script src="/ui/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/"><img src="/ui/icon.svg" alt="" width="22" height="22"> Gleaner</a>
  <span id="readiness" class="pill" title="GET /readyz">readiness …</span>
  <span id="updated" class="muted"></span>
  <button id="change-token" class="link" type="button" hidden>Change admin token</button>
</header>
<main>
  <section id="login" class="card login" hidden>
    <h2>Admin token</h2>
    <p id="login-message">Paste the admin token to see this Gleaner's numbers.</p>
    <form id="token-form" autocomplete="off">
      <input id="token" type="password" autocomplete="off" placeholder="admin token" aria-label="admin token" required>
      <button type="submit">Show dashboard</button>
    </form>
    <p class="muted">npm start prints where it is: <code>.gleaner/admin-token</code>, or <code>GLEANER_ADMIN_TOKEN</code>.
    It is kept for this tab only (sessionStorage: a reload keeps it, closing the tab forgets it, nothing is written to disk)
    and is only sent to this Gleaner.</p>
  </section>

  <div id="dashboard" hidden>
    <section class="tiles" aria-label="totals">
      <div class="tile"><h3>Received</h3><div class="big" id="received">–</div><div class="sub" id="received-rate"></div></div>
      <div class="tile"><h3>Processed</h3><div class="big" id="processed">–</div><div class="sub" id="processed-rate"></div></div>
      <div class="tile"><h3>Rejected</h3><div class="big" id="rejected">–</div><div class="sub">invalid events</div></div>
      <div class="tile"><h3>Duplicates</h3><div class="big" id="duplicates">–</div><div class="sub">already stored</div></div>
      <div class="tile"><h3>Errors</h3><div class="big" id="errors">–</div><div class="sub" id="dead-letters"></div></div>
      <div class="tile"><h3>Refused (429)</h3><div class="big" id="refused">–</div><div class="sub">backpressure</div></div>
    </section>

    <section class="grid">
      <article class="card wide">
        <h2>Throughput <span class="muted" id="throughput-window"></span></h2>
        <div class="chart" id="throughput-chart"></div>
        <p class="legend"><span class="key received"></span>received/s <span class="key processed"></span>processed/s</p>
      </article>
      <article class="card">
        <h2>Lag</h2>
        <div class="big" id="lag">–</div>
        <div class="sub" id="lag-detail">oldest accepted event not yet processed</div>
        <div class="chart" id="lag-chart"></div>
      </article>
      <article class="card">
        <h2>Backlog</h2>
        <div class="big" id="backlog">–</div>
        <div class="sub" id="backlog-detail"></div>
        <div class="chart" id="backlog-chart"></div>
      </article>
      <article class="card wide">
        <h2>Score distribution <span class="muted" id="scores-total"></span></h2>
        <div class="chart" id="score-chart"></div>
      </article>
      <article class="card wide">
        <h2>Cron jobs</h2>
        <table id="jobs"><thead><tr><th>job</th><th>last success</th><th>last run</th><th class="num">runs</th><th class="num">failures</th><th>last result</th></tr></thead><tbody></tbody></table>
      </article>
      <article class="card">
        <h2>Circuit breakers</h2>
        <ul class="checks" id="breakers"></ul>
      </article>
      <article class="card tall">
        <h2>Readiness</h2>
        <ul class="checks" id="checks"></ul>
      </article>
      <article class="card wide">
        <h2>Recent patterns</h2>
        <ul class="items" id="patterns"></ul>
      </article>
      <article class="card wide">
        <h2>Datasets</h2>
        <ul class="items" id="datasets"></ul>
      </article>
    </section>
  </div>
</main>
</body>
</html>
`;
