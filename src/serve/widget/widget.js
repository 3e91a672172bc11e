/*
 * madoguchi chat widget. No dependencies, no CDN.
 *
 * Embed (2 lines; the page needs no other markup):
 *   <link rel="stylesheet" href="https://chat.example.jp/widget.css">
 *   <script src="https://chat.example.jp/widget.js" defer></script>
 *
 * The widget mounts into #madoguchi-chat when the page has one (inline),
 * otherwise it adds a floating "チャットで質問" button. The API base is the
 * script's own origin, or the script tag's data-api attribute. Another
 * origin must be allowed on the server: `madoguchi serve --allow-origin …`.
 * The header's title and the first bubble are the operator's own:
 * data-title and data-greeting (without them, a plain サポート窓口 and a
 * line that names no brand).
 *
 * All server text is inserted with textContent (never as HTML).
 *
 * The conversation survives a page reload: the session id and the replies
 * (as the customer saw them) are kept in sessionStorage, and the transcript
 * is fetched again from the server. A cut or refused message is marked as
 * such; when the session is gone (expired), the widget says so, starts a new
 * one and sends the message again as words (a choice number would mean
 * nothing to the new session).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var apiBase = (script && script.getAttribute("data-api")) ||
    (script && script.src ? new URL(script.src, location.href).origin : location.origin);
  apiBase = apiBase.replace(/\/+$/, "");
  var title = (script && script.getAttribute("data-title")) || "サポート窓口";
  var greeting = (script && script.getAttribute("data-greeting")) ||
    "ご質問を入力するか、「カテゴリから探す」からお選びください。";
  var STORE_KEY = "madoguchi.session:" + apiBase;
  var REPLIES_KEY = "madoguchi.replies:" + apiBase;
  var KEEP_REPLIES = 30;
  var MAX_CHARS = 2000;
  var uid = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = v;
        else if (k === "className") node.className = v;
        else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : v);
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function srOnly(text) {
    return el("span", { className: "mdg-sr", text: text });
  }

  function safeHref(url) {
    return /^(https?:|tel:|mailto:)/i.test(url) ? url : null;
  }

  function contactNode(contact) {
    if (/^https?:\/\//i.test(contact)) {
      return el("a", { href: contact, target: "_blank", rel: "noopener noreferrer", text: contact });
    }
    var digits = contact.replace(/[^0-9+]/g, "");
    if (digits.length >= 10) return el("a", { href: "tel:" + digits, text: contact });
    return document.createTextNode(contact);
  }

  var WEEKDAYS = ["日", "月", "火", "水", "木", "金", "土"];
  /* "2026-11-25T09:30:00+09:00" → "11月25日(水) 9:30" in the time's own offset. */
  function formatTime(rfc3339) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(rfc3339 || "");
    if (!m) return rfc3339 || "";
    var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay();
    return (+m[2]) + "月" + (+m[3]) + "日(" + WEEKDAYS[day] + ") " + (+m[4]) + ":" + m[5];
  }

  function mount(target) {
    var floating = !target;
    if (floating) {
      target = el("div", { className: "mdg-floating-root" });
      document.body.appendChild(target);
    }
    var n = ++uid;
    var ids = {
      title: "mdg-title-" + n, log: "mdg-log-" + n, input: "mdg-input-" + n,
      panel: "mdg-panel-" + n, hint: "mdg-hint-" + n, panelTitle: "mdg-panel-title-" + n
    };
    var sessionId = null;
    try { sessionId = sessionStorage.getItem(STORE_KEY); } catch (e) { /* storage may be blocked */ }
    var busy = false;
    var ended = false;

    var log = el("div", {
      id: ids.log, className: "mdg-log", role: "log", "aria-live": "polite",
      "aria-relevant": "additions", "aria-label": "会話の履歴", tabindex: "0"
    });
    var status = el("p", { className: "mdg-status", role: "status", "aria-live": "polite" });
    var input = el("textarea", {
      id: ids.input, className: "mdg-input", rows: "2", maxlength: String(MAX_CHARS),
      placeholder: "例: カードの暗証番号を変えたい", "aria-describedby": ids.hint, autocomplete: "off"
    });
    var send = el("button", { type: "submit", className: "mdg-send", text: "送信" });
    var form = el("form", { className: "mdg-form", "aria-label": "メッセージの送信" }, [
      el("label", { "for": ids.input, className: "mdg-label", text: "ご質問" }),
      el("div", { className: "mdg-row" }, [input, send]),
      el("p", { id: ids.hint, className: "mdg-hint", text: "Enterで送信、Shift+Enterで改行。" })
    ]);

    var panelTitle = el("h3", { id: ids.panelTitle, className: "mdg-panel-title", tabindex: "-1", text: "カテゴリから探す" });
    var panelBody = el("div", { className: "mdg-panel-body" });
    var panelBack = el("button", { type: "button", className: "mdg-link-button", hidden: true, text: "← カテゴリ一覧へ戻る" });
    var panelClose = el("button", { type: "button", className: "mdg-link-button", text: "閉じる" });
    var panel = el("div", {
      id: ids.panel, className: "mdg-panel", role: "region", "aria-labelledby": ids.panelTitle, hidden: true
    }, [panelTitle, panelBody, el("div", { className: "mdg-panel-actions" }, [panelBack, panelClose])]);
    var browse = el("button", {
      type: "button", className: "mdg-browse", "aria-expanded": "false", "aria-controls": ids.panel,
      text: "カテゴリから探す"
    });

    var root = el("section", { className: "mdg-widget", "aria-labelledby": ids.title }, [
      el("header", { className: "mdg-header" }, [
        el("h2", { id: ids.title, className: "mdg-title", text: title }),
        browse
      ]),
      panel, log, status, form
    ]);

    if (floating) {
      var launcher = el("button", {
        type: "button", className: "mdg-launcher", "aria-expanded": "false", "aria-controls": "mdg-widget-" + n,
        text: "チャットで質問"
      });
      root.id = "mdg-widget-" + n;
      root.hidden = true;
      root.classList.add("mdg-floating");
      launcher.addEventListener("click", function () {
        var open = root.hidden;
        root.hidden = !open;
        launcher.setAttribute("aria-expanded", String(open));
        if (open) input.focus();
      });
      root.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && panel.hidden) {
          root.hidden = true;
          launcher.setAttribute("aria-expanded", "false");
          launcher.focus();
        }
      });
      target.appendChild(launcher);
    }
    target.appendChild(root);

    function setStatus(text) { status.textContent = text || ""; }

    function scrollDown() { log.scrollTop = log.scrollHeight; }

    function addBubble(who, children, extraClass) {
      var bubble = el("div", { className: "mdg-msg mdg-" + who + (extraClass ? " " + extraClass : "") },
        [srOnly(who === "user" ? "あなた: " : "窓口: ")].concat(children));
      log.appendChild(bubble);
      scrollDown();
      return bubble;
    }

    function paragraphs(text) {
      return String(text || "").split(/\n+/).filter(Boolean).map(function (line) {
        return el("p", { text: line });
      });
    }

    function disableButtons(container) {
      Array.prototype.forEach.call(container.querySelectorAll("button"), function (b) { b.disabled = true; });
    }

    function choiceButtons(candidates, label, sendValue) {
      var list = el("ul", { className: "mdg-choices", "aria-label": label });
      candidates.forEach(function (c) {
        var button = el("button", {
          type: "button", className: "mdg-choice",
          onclick: function () {
            if (busy || ended) return;
            disableButtons(list);
            button.classList.add("mdg-picked");
            submit(sendValue(c), c.question);
          }
        }, [c.number ? el("span", { className: "mdg-num", text: c.number + "." }) : null, c.question]);
        list.appendChild(el("li", null, [button]));
      });
      return list;
    }

    function renderAnswer(reply) {
      var a = reply.answer;
      var parts = [el("p", { className: "mdg-question", text: a.question })].concat(paragraphs(a.answer));
      if (a.cautions && a.cautions.length) {
        parts.push(el("ul", { className: "mdg-cautions", "aria-label": "ご注意" },
          a.cautions.map(function (c) { return el("li", { text: c }); })));
      }
      var links = (a.links || []).filter(function (l) { return safeHref(l.url); });
      if (links.length) {
        parts.push(el("ul", { className: "mdg-links", "aria-label": "関連リンク" }, links.map(function (l) {
          return el("li", null, [el("a", { href: l.url, target: "_blank", rel: "noopener noreferrer", text: l.title })]);
        })));
      }
      if (reply.related && reply.related.length) {
        parts.push(el("p", { className: "mdg-sub", text: "関連する質問" }));
        parts.push(choiceButtons(reply.related.map(function (r) { return { question: r.question }; }),
          "関連する質問", function (c) { return c.question; }));
      }
      parts.push(feedbackBlock(reply)); // issue 12: 「解決しましたか？」
      addBubble("bot", parts, "mdg-answer");
    }

    /* --- Feedback on answers (issue 12): 「解決しましたか？」 はい / いいえ. ---
       Kept apart from the rest of the widget: the buttons post
       /v1/sessions/{id}/feedback; いいえ shows the reply the server gives
       (other candidates, or a person). */
    function feedbackBlock(reply) {
      var box = el("div", { className: "mdg-feedback", role: "group", "aria-label": "解決しましたか？", "data-turn": String(reply.turn) });
      box.appendChild(el("p", { className: "mdg-feedback-q", text: "解決しましたか？" }));
      [["はい", true], ["いいえ", false]].forEach(function (choice) {
        box.appendChild(el("button", {
          type: "button", className: "mdg-choice mdg-feedback-" + (choice[1] ? "yes" : "no"), text: choice[0],
          onclick: function (e) { sendFeedback(reply.turn, choice[1], box, e.currentTarget); }
        }));
      });
      return box;
    }
    function feedbackNote(box, text) {
      var old = box.querySelector(".mdg-feedback-note");
      if (old) old.remove();
      box.appendChild(el("p", { className: "mdg-sub mdg-feedback-note", role: "status", text: text }));
    }
    function sendFeedback(turn, resolved, box, button) {
      if (busy || ended || !sessionId) return;
      busy = true;
      disableButtons(box);
      api("POST", "/v1/sessions/" + encodeURIComponent(sessionId) + "/feedback", { turn: turn, resolved: resolved }).then(function (r) {
        var code = r.data && r.data.error && r.data.error.code;
        if (r.status === 200) {
          button.classList.add("mdg-picked");
          feedbackNote(box, resolved ? "ご回答ありがとうございました。" : "ご回答ありがとうございます。");
          if (r.data.reply) {
            keepReply(r.data.reply);
            render(r.data.reply);
          }
        } else if (code === "feedback_given") {
          feedbackNote(box, "この回答へのご回答はお預かりしています。");
        } else {
          feedbackNote(box, r.status === 429 ? errorText(r) : "送信できませんでした。時間をおいてもう一度お試しください。");
          Array.prototype.forEach.call(box.querySelectorAll("button"), function (b) { b.disabled = false; });
        }
      }).catch(function () {
        feedbackNote(box, "通信エラーが発生しました。");
        Array.prototype.forEach.call(box.querySelectorAll("button"), function (b) { b.disabled = false; });
      }).then(function () {
        busy = false;
        if (!ended) input.focus();
      });
    }
    /* A typed 「ありがとう」 or 「違います」 answered the question too. */
    function markVerdict(verdict) {
      var box = log.querySelector('.mdg-feedback[data-turn="' + verdict.turn + '"]');
      if (!box) return;
      disableButtons(box);
      var pick = box.querySelector(verdict.resolved ? ".mdg-feedback-yes" : ".mdg-feedback-no");
      if (pick) pick.classList.add("mdg-picked");
      feedbackNote(box, verdict.resolved ? "ご回答ありがとうございました。" : "ご回答ありがとうございます。");
    }
    /* --- end of feedback --- */

    /* The reply's message split into its own text and the urgent notice's
       paragraph (the engine appends it last), which renderNotice shows as a
       card of its own. */
    function splitNotice(reply) {
      var text = String(reply.message || "");
      var at = reply.urgent_notice ? text.lastIndexOf("\n\n※") : -1;
      return at >= 0 ? { own: text.slice(0, at), notice: text.slice(at + 2) } : { own: text, notice: "" };
    }

    function ownMessage(reply) { return splitNotice(reply).own; }

    /* The message may describe an urgent situation the engine was not sure
       enough to hand off: the urgent route, as prominent as a hand-off's. */
    function renderNotice(reply) {
      var notice = splitNotice(reply).notice;
      var card = el("div", { className: "mdg-handoff mdg-urgent mdg-notice", role: "group", "aria-label": "緊急のご連絡先" });
      card.appendChild(el("p", { className: "mdg-handoff-title", text: "念のため：緊急のご連絡先" }));
      if (notice) card.appendChild(el("p", { text: notice }));
      // The notice's text already says when the route is closed.
      if (reply.urgent_notice.route) appendRoute(card, reply.urgent_notice.route, true, false);
      addBubble("bot", [card], "mdg-notice-msg");
    }

    function renderClarify(reply) {
      var lines = ownMessage(reply).split("\n");
      var parts = [el("p", { text: lines[0] })];
      parts.push(choiceButtons(reply.choices, "候補", function (c) { return String(c.number); }));
      if (lines.length > 1) parts.push(el("p", { className: "mdg-sub", text: lines[lines.length - 1] }));
      addBubble("bot", parts, "mdg-clarify");
    }

    function renderFallback(reply) {
      var parts = paragraphs(ownMessage(reply));
      if (reply.suggestions && reply.suggestions.length) {
        var list = el("ul", { className: "mdg-choices mdg-inline", "aria-label": "カテゴリ" });
        reply.suggestions.forEach(function (name) {
          list.appendChild(el("li", null, [el("button", {
            type: "button", className: "mdg-choice", text: name,
            onclick: function () { openPanel(); showEntries(name); }
          })]));
        });
        parts.push(list);
      }
      addBubble("bot", parts, "mdg-fallback");
    }

    function availabilityList(route) {
      var rows = [
        ["窓口", document.createTextNode(route.route_name)],
        ["連絡先", contactNode(route.contact)]
      ];
      var state = route.open_now
        ? "ただいま受付中" + (route.closes_at ? "（" + formatTime(route.closes_at) + " まで）" : "（24時間受付）")
        : "ただいま受付時間外";
      rows.push(["受付状況", el("span", { className: route.open_now ? "mdg-open" : "mdg-closed", text: state })]);
      if (!route.open_now && route.next_open) rows.push(["次の受付開始", document.createTextNode(formatTime(route.next_open))]);
      var dl = el("dl", { className: "mdg-facts" });
      rows.forEach(function (r) { dl.appendChild(el("dt", { text: r[0] })); dl.appendChild(el("dd", null, [r[1]])); });
      return dl;
    }

    function renderHandoff(reply) {
      var h = reply.handoff || {};
      var route = h.route;
      var urgent = h.reason === "urgent";
      var lead = ownMessage(reply).split("\n")[0];
      var card = el("div", {
        className: "mdg-handoff" + (urgent ? " mdg-urgent" : ""), role: "group",
        "aria-label": urgent ? "緊急のご連絡先" : "担当窓口のご案内"
      });
      card.appendChild(el("p", { className: "mdg-handoff-title", text: urgent ? "緊急のご連絡先（24時間受付）" : "担当窓口のご案内" }));
      if (route) appendRoute(card, route, urgent, true);
      addBubble("bot", [el("p", { text: lead }), card], "mdg-handoff-msg");
    }

    /* A route in a card: its number large when urgent, its hours, its
       closed text (unless the card says it already) and the route open
       instead. */
    function appendRoute(card, route, bigNumber, closedText) {
      if (bigNumber) card.appendChild(el("p", { className: "mdg-big-number" }, [contactNode(route.contact)]));
      card.appendChild(availabilityList(route));
      if (closedText && !route.open_now && route.when_closed) card.appendChild(el("p", { className: "mdg-sub", text: route.when_closed }));
      if (!route.open_now && route.fallback) {
        card.appendChild(el("div", { className: "mdg-alt" }, [
          el("p", { className: "mdg-alt-title", text: "いまご利用いただける窓口" }),
          availabilityList(route.fallback)
        ]));
      }
    }

    function endChat() {
      ended = true;
      input.disabled = true;
      send.disabled = true;
      browse.disabled = true;
      closePanel(false);
      disableButtons(log);
      input.placeholder = "このチャットは終了しました";
      setStatus("このチャットは終了しました。");
    }

    function notice(text) {
      return addBubble("bot", [el("p", { text: text })], "mdg-notice");
    }

    /* Replies as shown, by turn, so a reload can show them again. */
    function loadReplies() {
      try {
        var saved = JSON.parse(sessionStorage.getItem(REPLIES_KEY) || "null");
        return saved && saved.session === sessionId ? saved.replies : {};
      } catch (e) { return {}; }
    }
    function keepReply(reply) {
      try {
        var replies = loadReplies();
        replies[reply.turn] = reply;
        var turns = Object.keys(replies).map(Number).sort(function (a, b) { return a - b; });
        turns.slice(0, Math.max(0, turns.length - KEEP_REPLIES)).forEach(function (t) { delete replies[t]; });
        sessionStorage.setItem(REPLIES_KEY, JSON.stringify({ session: sessionId, replies: replies }));
      } catch (e) { /* storage full or blocked: the server transcript still works */ }
    }
    function forgetSession() {
      sessionId = null;
      try { sessionStorage.removeItem(STORE_KEY); sessionStorage.removeItem(REPLIES_KEY); } catch (e) { /* ignore */ }
    }

    function render(reply) {
      if (reply.verdict) markVerdict(reply.verdict);
      switch (reply.kind) {
        case "answer": if (reply.answer) { renderAnswer(reply); break; } addBubble("bot", paragraphs(ownMessage(reply))); break;
        case "clarify": renderClarify(reply); break;
        case "fallback": renderFallback(reply); break;
        case "handoff": renderHandoff(reply); break;
        case "warn":
          addBubble("bot", [el("p", { className: "mdg-label-warn", text: "ご注意" })].concat(paragraphs(ownMessage(reply))), "mdg-warn");
          break;
        case "end":
          addBubble("bot", paragraphs(ownMessage(reply)), "mdg-end");
          endChat();
          break;
        default: addBubble("bot", paragraphs(ownMessage(reply)));
      }
      if (reply.urgent_notice) renderNotice(reply);
      if (reply.flags && reply.flags.truncated) {
        notice("メッセージが長いため、最初の部分だけを読み取りました。続きは分けてお送りください。");
      }
    }

    function api(method, path, body) {
      var opts = { method: method, headers: { "Accept": "application/json" } };
      if (body !== undefined) {
        opts.headers["Content-Type"] = "application/json";
        opts.body = JSON.stringify(body);
      }
      return fetch(apiBase + path, opts).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          return { status: res.status, data: data, retryAfter: res.headers.get("Retry-After") };
        });
      });
    }

    function ensureSession(fresh) {
      if (sessionId && !fresh) return Promise.resolve(sessionId);
      return api("POST", "/v1/sessions", { channel: "web" }).then(function (r) {
        if (r.status !== 201) throw new Error("session");
        sessionId = r.data.session_id;
        try { sessionStorage.setItem(STORE_KEY, sessionId); } catch (e) { /* ignore */ }
        return sessionId;
      });
    }

    /* `words` is what the message means on its own (a picked choice's
       question instead of its number), sent again if the session is gone. */
    function postMessage(text, words, retried) {
      return ensureSession(false).then(function (id) {
        return api("POST", "/v1/sessions/" + encodeURIComponent(id) + "/messages", { text: text });
      }).then(function (r) {
        var code = r.data && r.data.error && r.data.error.code;
        if (r.status === 404 && code === "session_not_found" && !retried) {
          forgetSession();
          disableButtons(log);
          notice("前回の会話は有効期限が切れたため、新しい会話を始めました。");
          return ensureSession(true).then(function () { return postMessage(words, words, true); });
        }
        return r;
      });
    }

    function errorText(r) {
      var code = r.data && r.data.error && r.data.error.code;
      if (r.status === 429) return "送信が続いたため受付を一時停止しています。" + (r.retryAfter || "数") + "秒ほどお待ちください。";
      if (code === "message_too_long" || r.status === 413) return "メッセージが長すぎます。" + MAX_CHARS + "文字以内でお送りください。";
      if (code === "session_full") return "この会話はこれ以上続けられません。ページを再読み込みして新しい会話を始めてください。";
      return "送信できませんでした。時間をおいてもう一度お試しください。";
    }

    function submit(text, shown) {
      text = String(text || "").trim();
      if (!text || busy || ended) return;
      busy = true;
      send.disabled = true;
      var bubble = addBubble("user", [el("p", { text: shown || text })]);
      function refused(why) {
        bubble.classList.add("mdg-rejected");
        bubble.appendChild(el("p", { className: "mdg-sub", text: "（送信されませんでした）" }));
        setStatus(why);
      }
      setStatus("回答を準備しています…");
      postMessage(text, shown || text, false).then(function (r) {
        if (r.status === 200) {
          setStatus("");
          keepReply(r.data);
          render(r.data);
        } else {
          refused(errorText(r));
        }
      }).catch(function () {
        refused("通信エラーが発生しました。接続を確認して、もう一度お試しください。");
      }).then(function () {
        busy = false;
        if (!ended) {
          send.disabled = false;
          input.focus();
        }
      });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value;
      if (!text.trim()) { setStatus("ご質問を入力してください。"); input.focus(); return; }
      if (text.length > MAX_CHARS) { setStatus(errorText({ status: 413 })); return; }
      input.value = "";
      submit(text);
    });
    input.addEventListener("keydown", function (e) {
      // Enter sends; Shift+Enter breaks the line; Enter that confirms an IME
      // conversion (Japanese input) does neither.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        if (typeof form.requestSubmit === "function") form.requestSubmit();
        else form.dispatchEvent(new Event("submit", { cancelable: true }));
      }
    });

    /* Category browsing */
    var categoriesCache = null;
    function openPanel() {
      panel.hidden = false;
      browse.setAttribute("aria-expanded", "true");
    }
    function closePanel(refocus) {
      panel.hidden = true;
      browse.setAttribute("aria-expanded", "false");
      if (refocus) browse.focus();
    }
    function panelMessage(text) {
      panelBody.textContent = "";
      panelBody.appendChild(el("p", { className: "mdg-sub", text: text }));
    }
    function showCategories() {
      panelTitle.textContent = "カテゴリから探す";
      panelBack.hidden = true;
      var load = categoriesCache ? Promise.resolve(categoriesCache) : api("GET", "/v1/categories").then(function (r) {
        if (r.status !== 200) throw new Error("categories");
        categoriesCache = r.data.categories;
        return categoriesCache;
      });
      return load.then(function (cats) {
        panelBody.textContent = "";
        var list = el("ul", { className: "mdg-choices", "aria-label": "カテゴリ" });
        cats.forEach(function (c) {
          list.appendChild(el("li", null, [el("button", {
            type: "button", className: "mdg-choice", onclick: function () { showEntries(c.name); }
          }, [c.name, el("span", { className: "mdg-count", text: "（" + c.entries + "件）" })])]));
        });
        panelBody.appendChild(list);
        panelTitle.focus();
      }).catch(function () { panelMessage("カテゴリを読み込めませんでした。"); });
    }
    function showEntries(name) {
      panelTitle.textContent = name;
      panelBack.hidden = false;
      panelMessage("読み込んでいます…");
      return api("GET", "/v1/categories/" + encodeURIComponent(name) + "/entries").then(function (r) {
        if (r.status !== 200) throw new Error("entries");
        panelBody.textContent = "";
        var groups = {};
        var order = [];
        r.data.entries.forEach(function (e) {
          var key = e.subcategory || "その他";
          if (!groups[key]) { groups[key] = []; order.push(key); }
          groups[key].push(e);
        });
        order.forEach(function (key) {
          panelBody.appendChild(el("h4", { className: "mdg-group", text: key }));
          var list = el("ul", { className: "mdg-choices", "aria-label": key });
          groups[key].forEach(function (e) {
            list.appendChild(el("li", null, [el("button", {
              type: "button", className: "mdg-choice", text: e.question,
              onclick: function () { closePanel(false); input.focus(); submit(e.question); }
            })]));
          });
          panelBody.appendChild(list);
        });
        panelTitle.focus();
      }).catch(function () { panelMessage("質問の一覧を読み込めませんでした。"); });
    }
    browse.addEventListener("click", function () {
      if (panel.hidden) { openPanel(); showCategories(); } else { closePanel(true); }
    });
    panelBack.addEventListener("click", function () { showCategories(); });
    panelClose.addEventListener("click", function () { closePanel(true); });
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.stopPropagation(); closePanel(true); }
    });

    /* Type-ahead suggestions (GET /v1/suggest): a listbox under the input,
       filled on pauses in typing, IME composition included (the input's
       value then holds the kana being converted). ArrowUp/ArrowDown move,
       Enter sends the highlighted question, Escape closes, a click picks.
       Kept in this one block: the rest of the widget knows nothing of it. */
    setupSuggestions();
    function setupSuggestions() {
      var DEBOUNCE_MS = 150;
      var LIMIT = 5;
      var MIN_CHARS = 2;
      var MAX_Q_CHARS = 200;
      var listId = "mdg-suggest-" + n;
      var list = el("ul", { id: listId, className: "mdg-suggest", role: "listbox", "aria-label": "入力中の質問の候補", hidden: true });
      form.insertBefore(list, form.querySelector(".mdg-hint"));
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-controls", listId);
      input.setAttribute("aria-expanded", "false");
      var timer = null;
      var asked = 0; /* the latest request; older answers are dropped */
      var items = [];
      var active = -1;

      function close() {
        list.hidden = true;
        list.textContent = "";
        items = [];
        active = -1;
        input.setAttribute("aria-expanded", "false");
        input.removeAttribute("aria-activedescendant");
      }
      function highlight(i) {
        active = i;
        items.forEach(function (li, j) { li.setAttribute("aria-selected", String(j === i)); });
        if (i >= 0) {
          input.setAttribute("aria-activedescendant", items[i].id);
          items[i].scrollIntoView({ block: "nearest" });
        } else {
          input.removeAttribute("aria-activedescendant");
        }
      }
      function pick(question) {
        close();
        cancel();
        if (busy || ended) return;
        input.value = "";
        submit(question);
      }
      function show(suggestions) {
        close();
        if (!suggestions.length || ended) return;
        suggestions.forEach(function (s, i) {
          var li = el("li", {
            id: listId + "-" + i, className: "mdg-suggest-item", role: "option", "aria-selected": "false", text: s.question,
            /* mousedown would move the focus away from the input first */
            onmousedown: function (e) { e.preventDefault(); },
            onclick: function () { pick(s.question); }
          });
          items.push(li);
          list.appendChild(li);
        });
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      function cancel() {
        if (timer) clearTimeout(timer);
        timer = null;
        asked++;
      }
      function ask() {
        var q = input.value.trim();
        cancel();
        if (ended || q.replace(/[\s\p{P}\p{S}]/gu, "").length < MIN_CHARS || q.length > MAX_Q_CHARS) { close(); return; }
        var mine = asked;
        timer = setTimeout(function () {
          timer = null;
          api("GET", "/v1/suggest?q=" + encodeURIComponent(q) + "&limit=" + LIMIT).then(function (r) {
            if (mine !== asked || document.activeElement !== input) return;
            if (r.status === 200 && r.data && r.data.suggestions) show(r.data.suggestions); else close();
          }).catch(function () { if (mine === asked) close(); });
        }, DEBOUNCE_MS);
      }
      input.addEventListener("input", ask);
      input.addEventListener("compositionend", ask);
      input.addEventListener("blur", function () { cancel(); close(); });
      form.addEventListener("submit", function () { cancel(); close(); });
      /* Capture phase on the form: runs before the input's own Enter-sends
         handler, which must not fire when a suggestion is picked. */
      form.addEventListener("keydown", function (e) {
        if (e.target !== input || list.hidden || e.isComposing || e.keyCode === 229) return;
        if (e.key === "ArrowDown" || e.key === "ArrowUp") {
          e.preventDefault();
          var step = e.key === "ArrowDown" ? 1 : -1;
          var next = active + step;
          if (next >= items.length) next = 0;
          if (next < -1) next = items.length - 1;
          highlight(next);
        } else if (e.key === "Enter" && !e.shiftKey && active >= 0) {
          e.preventDefault();
          e.stopPropagation();
          pick(items[active].textContent);
        } else if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          cancel();
          close();
        }
      }, true);
    }

    addBubble("bot", [el("p", { text: greeting })]);

    /* After a reload: show the conversation so far again. */
    function restore() {
      if (!sessionId) return;
      busy = true;
      setStatus("これまでの会話を読み込んでいます…");
      api("GET", "/v1/sessions/" + encodeURIComponent(sessionId) + "/transcript").then(function (r) {
        if (r.status === 404) {
          forgetSession();
          notice("前回の会話は有効期限が切れました。新しいご質問をどうぞ。");
          return;
        }
        if (r.status !== 200) throw new Error("transcript");
        var replies = loadReplies();
        var lines = r.data.transcript || [];
        lines.forEach(function (line) {
          if (line.speaker === "customer") {
            addBubble("user", [el("p", { text: line.text })]);
          } else if (replies[line.turn]) {
            render(replies[line.turn]);
          } else {
            addBubble("bot", paragraphs(line.text));
          }
        });
        // Only the last reply's choices can still be picked.
        var bots = log.querySelectorAll(".mdg-bot");
        Array.prototype.forEach.call(bots, function (b, i) { if (i < bots.length - 1) disableButtons(b); });
        if (r.data.ended) endChat();
      }).catch(function () {
        notice("これまでの会話を読み込めませんでした。続けてご質問いただけます。");
      }).then(function () {
        busy = false;
        if (!ended) setStatus("");
      });
    }
    restore();
    return { submit: submit, element: root };
  }

  function autoMount() {
    if (script && script.getAttribute("data-auto") === "false") return;
    var targetSel = (script && script.getAttribute("data-target")) || "#madoguchi-chat";
    mount(document.querySelector(targetSel));
  }

  window.Madoguchi = { mount: function (target) { return mount(target || null); } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoMount);
  else autoMount();
})();
