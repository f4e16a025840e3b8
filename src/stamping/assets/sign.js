// The signing page's only script: posts the choice (the ticket travels in an HttpOnly cookie), then
// closes (popup) or returns (redirect).

// The ticket of the first load leaves the address bar and history at once.
const address = new URL(window.location.href);
if (address.searchParams.has('ticket')) {
  address.searchParams.delete('ticket');
  window.history.replaceState(null, '', address.pathname + address.search + address.hash);
}
const form = document.getElementById('sign-form');
if (form) {
  const result = form.querySelector('.result');
  const button = form.querySelector('button[type=submit]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    button.disabled = true;
    result.textContent = form.dataset.signing;
    result.classList.remove('error');
    try {
      const response = await fetch(`/sign/${form.dataset.signature}/seals/${form.dataset.seal}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify({
          sha256: form.dataset.sha256,
          sealId: data.get('sealId'),
          comment: data.get('comment') || undefined,
          mfa: data.get('mfa') || undefined,
        }),
      });
      const envelope = await response.json();
      if (envelope.errno !== 0) throw new Error(envelope.error);
      const redirect = envelope.entities && envelope.entities[1] && envelope.entities[1].signUrl;
      if (redirect) {
        // A third-party provider: the signer finishes there and is sent back to our return page.
        result.textContent = form.dataset.redirecting;
        window.location.assign(redirect);
        return;
      }
      result.textContent = form.dataset.done;
      form.classList.add('done');
      document.body.dataset.state = 'signed';
      if (window.opener) {
        // Only to the origin that opened us (allow-listed by the service), never '*'.
        if (form.dataset.openerOrigin) {
          window.opener.postMessage(
            { type: 'infoplus-signature:signed', signatureId: form.dataset.signature, seal: Number(form.dataset.seal) },
            form.dataset.openerOrigin,
          );
        }
        setTimeout(() => window.close(), 800);
      } else if (form.dataset.return) {
        setTimeout(() => window.location.assign(form.dataset.return), 800);
      }
    } catch (error) {
      result.textContent = form.dataset.failed + (error instanceof Error ? error.message : String(error));
      result.classList.add('error');
      button.disabled = false;
    }
  });
}
