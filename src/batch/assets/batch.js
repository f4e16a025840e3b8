// The batch signing page's only script: previews on demand, the one confirmation (the ticket travels
// in an HttpOnly cookie), and live progress over the batch's socket.

const address = new URL(window.location.href);
if (address.searchParams.has('ticket')) {
  address.searchParams.delete('ticket');
  window.history.replaceState(null, '', address.pathname + address.search + address.hash);
}

for (const button of document.querySelectorAll('.preview-toggle')) {
  button.addEventListener('click', () => {
    const image = document.getElementById(button.getAttribute('aria-controls'));
    const open = button.getAttribute('aria-expanded') !== 'true';
    if (open && !image.getAttribute('src')) image.setAttribute('src', button.dataset.src);
    image.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? button.dataset.hide : button.dataset.show;
  });
}

const form = document.getElementById('batch-form');
const progress = document.getElementById('progress');
const states = JSON.parse(form.dataset.states);
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));

function showItem(item) {
  const row = document.querySelector(`tr[data-position="${item.position}"]`);
  if (!row) return;
  row.dataset.state = item.state;
  const cell = row.querySelector('.state');
  cell.textContent = '';
  const label = document.createElement('span');
  label.className = 'label';
  label.textContent = states[item.state] || item.state;
  cell.append(label);
  if (item.ecode) {
    const code = document.createElement('code');
    code.className = 'ecode';
    code.textContent = item.ecode;
    const reason = document.createElement('span');
    reason.className = 'reason';
    reason.textContent = item.message;
    cell.append(' ', code, ' ', reason);
  }
}

function showProgress() {
  const rows = [...document.querySelectorAll('tr[data-position]')];
  const done = rows.filter((row) => ['stamped', 'failed', 'refused'].includes(row.dataset.state)).length;
  progress.textContent = fill(form.dataset.progress, { done, total: rows.length });
}

function showBatch(batch) {
  for (const item of batch.items) showItem(item);
  document.body.dataset.state = batch.state;
  if (batch.state === 'done')
    progress.textContent = fill(form.dataset.finished, {
      stamped: batch.counts.stamped,
      failed: batch.counts.failed + batch.counts.refused,
    });
  else if (batch.state === 'running') showProgress();
}

function watch() {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(`${scheme}//${window.location.host}/sign-batch/${form.dataset.batch}/events`);
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'batch' || message.type === 'batch.done') showBatch(message.batch);
    if (message.type === 'batch.item') {
      showItem(message.item);
      showProgress();
    }
  });
  socket.addEventListener('close', (event) => {
    if (event.code !== 1000 && document.body.dataset.state !== 'done') setTimeout(watch, 1000);
  });
}
watch();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  progress.textContent = form.dataset.starting;
  progress.classList.remove('error');
  try {
    const response = await fetch(`/sign-batch/${form.dataset.batch}/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ sealId: data.get('sealId'), comment: data.get('comment') || undefined, mfa: data.get('mfa') || undefined }),
    });
    const envelope = await response.json();
    if (envelope.errno !== 0) throw new Error(envelope.error);
    form.hidden = true;
    showBatch(envelope.entities[0]);
    progress.focus();
  } catch (error) {
    progress.textContent = form.dataset.failed + (error instanceof Error ? error.message : String(error));
    progress.classList.add('error');
    button.disabled = false;
  }
});
