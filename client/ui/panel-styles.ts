/** Shared look of the side panels (identity, admin): labelled inputs, buttons, status lines; phone-width friendly. */
import { css } from 'lit';

export const panelStyles = css`
  :host { display: block; padding: 1rem; margin: 0 0 1rem; background: var(--panel); border-radius: 12px; }
  h2 { margin: 0 0 0.5rem; font-size: 1.15rem; }
  h3 { margin: 1.2rem 0 0.4rem; font-size: 1rem; }
  label { display: block; margin: 0.5rem 0 0.2rem; font-weight: 600; }
  input, select { width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); min-height: 40px; }
  button { font: inherit; font-weight: 600; margin: 0.5rem 0.5rem 0 0; padding: 0.5rem 0.9rem; min-height: 40px; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); cursor: pointer; }
  button[type='submit'] { background: var(--accent); border-color: var(--accent); color: white; }
  button.danger { color: var(--danger-fg); border-color: var(--danger-fg); }
  button[disabled] { opacity: 0.6; cursor: progress; }
  button:focus-visible, input:focus-visible, select:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  ul { list-style: none; margin: 0; padding: 0; }
  li { padding: 0.5rem 0; border-bottom: 1px solid var(--border); }
  .hint { font-size: 0.9rem; color: var(--muted); }
  .error { padding: 0.6rem; border-radius: 8px; background: var(--danger-bg); color: var(--danger-fg); }
  .ok { color: var(--talk); }
  .confirm { padding: 0.6rem; border-radius: 8px; background: var(--danger-bg); }
  code { word-break: break-all; }
`;
