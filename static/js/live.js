// Results on screen as soon as they exist, without holding a server worker.
//
// The page carries one status element: <div data-live-status="URL" data-live-key="K"
// data-live-active="true">. While something is in flight we poll that tiny JSON URL,
// first after 150 ms and then less and less often (back-off to 3 s). Only when its `key`
// differs from the page's do we fetch the page again and swap the elements marked
// `data-live-part`. Polling stops once the server says nothing is in flight.
// Long polling or SSE would hold one gunicorn sync worker per open page; these polls
// are a few milliseconds each.
(function () {
  "use strict";
  const FIRST_MS = 150;
  const GROWTH = 1.5;
  const LONGEST_MS = 3000;
  const state = (window.digitsightLive = { polls: 0, refreshes: 0, active: false, stopped: false });
  let delay = FIRST_MS;

  const source = () => document.querySelector("[data-live-status]");

  function schedule() {
    const element = source();
    state.active = Boolean(element) && element.dataset.liveActive === "true";
    state.stopped = !state.active;
    if (state.active) {
      setTimeout(poll, delay);
      delay = Math.min(delay * GROWTH, LONGEST_MS);
    }
  }

  async function poll() {
    const element = source();
    state.polls += 1;
    try {
      const response = await fetch(element.dataset.liveStatus, {
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.redirected || (response.status >= 400 && response.status < 500)) {
        element.dataset.liveActive = "false"; // deleted, or logged out: nothing to wait for
      } else if (!response.ok) {
        throw new Error(`status ${response.status}`);
      } else {
        await apply(element, await response.json());
      }
    } catch (error) {
      delay = LONGEST_MS; // the server is busy or unreachable: keep asking, slowly
    }
    schedule();
  }

  async function apply(element, news) {
    if (news.key !== element.dataset.liveKey) {
      await refresh(element);
      delay = FIRST_MS; // something moved: more may follow soon (the readout, the next page)
    } else if (!news.in_flight) {
      element.dataset.liveActive = "false";
    }
  }

  async function refresh(element) {
    const response = await fetch(element.dataset.liveRefresh || window.location.href, { cache: "no-store" });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    topLevelParts(document).forEach((part) => swap(part, fresh));
    const status = fresh.querySelector("[data-live-status]");
    if (status) {
      element.dataset.liveKey = status.dataset.liveKey;
      element.dataset.liveActive = status.dataset.liveActive;
    } else {
      element.dataset.liveActive = "false";
    }
    state.refreshes += 1;
    document.dispatchEvent(new CustomEvent("digitsight:live"));
  }

  function topLevelParts(root) {
    return Array.from(root.querySelectorAll("[data-live-part]")).filter((part) => {
      const outer = part.parentElement.closest("[data-live-part]");
      return root === document ? !outer : outer === root;
    });
  }

  // A part holding the focus (a half-typed correction) keeps its form: only its own inner
  // parts are swapped.
  function swap(part, fresh) {
    const replacement = part.id && fresh.getElementById(part.id);
    if (!replacement) return;
    const inner = topLevelParts(part);
    const focused = document.activeElement !== document.body && part.contains(document.activeElement);
    if (focused && inner.length) {
      inner.forEach((child) => swap(child, fresh));
      return;
    }
    // The same element with new content: an aria-live region stays in place, so screen
    // readers announce the change.
    Array.from(part.attributes)
      .filter((attribute) => !replacement.hasAttribute(attribute.name))
      .forEach((attribute) => part.removeAttribute(attribute.name));
    Array.from(replacement.attributes).forEach((attribute) => part.setAttribute(attribute.name, attribute.value));
    part.replaceChildren(...Array.from(replacement.childNodes, (node) => document.importNode(node, true)));
  }

  schedule();
})();
