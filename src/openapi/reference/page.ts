/**
 * The API reference's markup. It loads only /docs/app.css and /docs/app.js
 * from this worker; the script renders every operation from /openapi.json.
 */
export const REFERENCE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Gleaner API reference</title>
<link rel="icon" href="/ui/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/docs/app.css">
<script src="/docs/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/docs">Gleaner API</a>
  <span id="version" class="muted"></span>
  <a class="muted" href="/openapi.json">openapi.json</a>
  <form id="tokens" class="tokens" autocomplete="off">
    <label>Project key <input id="projectKey" type="password" autocomplete="off" placeholder="glk_…"></label>
    <label>Admin token <input id="adminToken" type="password" autocomplete="off" placeholder="admin token"></label>
  </form>
</header>
<div class="layout">
  <nav id="nav" aria-label="operations">
    <input id="filter" type="search" placeholder="Filter operations" aria-label="filter operations">
  </nav>
  <main>
    <p id="status" class="muted">Loading /openapi.json …</p>
    <section id="intro"></section>
    <section id="operations"></section>
    <section id="schemas"></section>
  </main>
</div>
</body>
</html>
`;
