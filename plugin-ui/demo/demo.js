// The demo page's glue: a demo-only "login" (POST /demo/session) gives a ticket for the demo
// Signature; both controls share it. Everything else is the web component.
const userSelect = document.getElementById('user');
const controls = [document.getElementById('applicant'), document.getElementById('college')];
const result = document.getElementById('verify-result');
const serverVerify = document.getElementById('server-verify');
let session = null;
let latest = 0;

async function login(account, reset = false) {
  const attempt = ++latest;
  const response = await fetch('/demo/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account, reset, ...(session && !reset ? { signatureId: session.signatureId } : {}) }),
  });
  const envelope = await response.json();
  if (envelope.errno !== 0) throw new Error(envelope.error);
  // A quicker switch (or reset) made after this one has won: ignore this late answer.
  if (attempt !== latest) return;
  session = envelope.entities[0];
  if (userSelect.options.length === 0) {
    for (const user of session.users) userSelect.add(new Option(`${user.name}（${user.title}）`, user.account));
  }
  userSelect.value = session.account;
  for (const control of controls) {
    control.setAttribute('service', window.location.origin);
    control.setAttribute('signature-id', session.signatureId);
    control.setAttribute('ticket', session.ticket);
  }
  serverVerify.dataset.signature = session.signatureId;
  result.textContent = '';
  delete result.dataset.valid;
  localStorage.setItem('infoplus-demo-account', session.account);
}

userSelect.addEventListener('change', () => login(userSelect.value).catch(showError));
document.getElementById('reset').addEventListener('click', () => login(userSelect.value || 'zhangsan', true).catch(showError));
document.getElementById('verify').addEventListener('click', async () => {
  result.textContent = '正在验证…';
  try {
    // Each control verifies the seals it shows (and marks them); together they cover the form.
    const verdicts = await Promise.all(controls.map((control) => control.verify()));
    const seals = verdicts.flatMap((verdict) => verdict.seals).sort((a, b) => a.index - b.index);
    const valid = seals.length > 0 && seals.every((s) => s.valid);
    const lines = seals.map(
      (s) =>
        `#${s.index + 1} ${s.signer ?? ''}：${s.valid ? '有效' : s.modifiedAfterSigning ? '签名后被修改' : '无效'}${s.trusted === undefined ? '' : s.trusted ? '，证书可信' : '，证书未获信任'}`,
    );
    result.textContent = seals.length ? `${valid ? '全部签名有效' : '存在无效签名'}。${lines.join('；')}` : '还没有签名。';
    result.dataset.valid = String(valid);
  } catch (error) {
    showError(error);
  }
});

function showError(error) {
  result.textContent = `出错了：${error instanceof Error ? error.message : String(error)}`;
}

login(localStorage.getItem('infoplus-demo-account') || 'zhangsan').catch(showError);

// The server's report, fetched with the ticket in a header (tickets never travel in a URL).
serverVerify.addEventListener('click', async (event) => {
  event.preventDefault();
  if (!session) return;
  const view = window.open('', '_blank');
  const response = await fetch(`/signature/${session.signatureId}/verify`, { headers: { 'x-infoplus-ticket': session.ticket } });
  const blob = new Blob([JSON.stringify(await response.json(), null, 2)], { type: 'application/json' });
  if (view) view.location.href = URL.createObjectURL(blob);
});
