import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { auth } from '../api-client.js';

/** Email and password; the server's answer in words when it refuses (wrong password, locked for a while). */
export function SignInView({ onSignedIn }: { onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    auth
      .login(String(form.get('email') ?? ''), String(form.get('password') ?? ''))
      .then(onSignedIn)
      .catch((failure: Error) => setError(failure.message))
      .finally(() => setBusy(false));
  };
  return html`<main class="sign-in">
    <h1>funnelscope</h1>
    <form onSubmit=${submit} aria-label="Sign in">
      <label>Email <input name="email" type="email" autocomplete="username" required autofocus /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit" disabled=${busy}>Sign in</button>
      ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    </form>
  </main>`;
}
