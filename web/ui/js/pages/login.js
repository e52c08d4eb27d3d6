// Log in with name and password.
import {h} from '../dom.js';
import {t} from '../i18n.js';
import * as session from '../session.js';
import {field, errorBox, alertBox} from '../components.js';

export async function loginPage(view, {onLoggedIn}) {
  const name = h('input', {type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false'});
  const password = h('input', {type: 'password', name: 'password', autocomplete: 'current-password'});
  const status = h('div', {'aria-live': 'polite'});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary btn-block'}, t('login.submit'));

  async function onSubmit(e) {
    e.preventDefault();
    status.replaceChildren();
    if (!name.value.trim() || !password.value) {
      status.append(alertBox('error', t('login.both_required')));
      (name.value.trim() ? password : name).focus();
      return;
    }
    submit.disabled = true;
    try {
      const user = await session.login(name.value.trim(), password.value);
      onLoggedIn(user);
    } catch (err) {
      const text = err.status === 401 ? t('login.wrong') : err.status === 429 ? t('error.rate_limited') : null;
      status.append(text ? alertBox('error', text) : errorBox(err));
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
    }
  }

  view.replaceChildren(
    h(
      'div',
      {class: 'login'},
      h(
        'form',
        {class: 'card login-card', onsubmit: onSubmit, novalidate: true},
        h('h1', {tabindex: '-1'}, t('login.title')),
        h('p', {class: 'muted'}, t('login.intro')),
        field(t('login.name'), name, {required: true}),
        field(t('login.password'), password, {required: true}),
        status,
        submit,
      ),
    ),
  );
  name.focus();
}
