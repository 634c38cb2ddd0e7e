package web_test

// The hostile rendering corpus, opened in the browser: emails whose HTML
// bodies, subjects and names carry script, event handlers, javascript:
// links, SVG script, meta refresh, <base>, forms, iframes, <object>, CSS
// url() and remote images. Every payload, if it ever ran, would set a flag
// in its frame (window.pwned, data-pwned on <html>), try top.pwned, open a
// dialog and fetch a canary URL; the test checks all of these in every
// frame, and that a canary server standing for "a remote host" gets no
// request until the user clicks "show remote content". A control page
// without the sandbox and CSP runs the same payloads, so the test is known
// to detect execution.

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/web/webtest"
)

// canary is an HTTP server on 127.0.0.1 that stands for a remote host: it
// records every request. Paths under /hit/ are only ever requested by an
// executed payload; /img/ are remote images.
type canary struct {
	*httptest.Server
	mu   sync.Mutex
	hits []string
}

// A 1x1 transparent PNG, so that remote images load.
var pixelPNG, _ = base64.StdEncoding.DecodeString(
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

func newCanary(t testing.TB) *canary {
	c := &canary{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.hits = append(c.hits, r.Method+" "+r.URL.RequestURI())
		c.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if strings.HasPrefix(r.URL.Path, "/img/") || strings.HasSuffix(r.URL.Path, ".png") {
			w.Header().Set("Content-Type", "image/png")
			w.Write(pixelPNG)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(c.Close)
	return c
}

// Hits returns the requests whose path starts with prefix ("" for all).
func (c *canary) Hits(prefix string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, h := range c.hits {
		_, uri, _ := strings.Cut(h, " ")
		if strings.HasPrefix(uri, prefix) {
			out = append(out, h)
		}
	}
	return out
}

// payload is JavaScript that, if it ever runs, leaves every trace the test
// looks for. It has no spaces, double quotes, '<', '>' or '&', so that it
// fits in any attribute, quoted or not, and in a header.
func payload(canaryURL, id string) string {
	return fmt.Sprintf(`try{window.pwned=1}catch(e){}try{top.pwned=1}catch(e){}`+
		`try{document.documentElement.setAttribute('data-pwned','%[2]s')}catch(e){}`+
		`try{fetch('%[1]s/hit/%[2]s')}catch(e){}try{new(Image)().src='%[1]s/hit/%[2]s/img'}catch(e){}`+
		`try{alert('pwned:%[2]s')}catch(e){}`, canaryURL, id)
}

// hostileCase is one hostile HTML body.
type hostileCase struct {
	name string
	html string
}

// hostileBodies are the corpus, with P standing for a payload and C for
// the canary's URL.
func hostileBodies(c string) []hostileCase {
	p := func(id string) string { return payload(c, id) }
	cases := []hostileCase{
		{"script", `<p>A script element.</p><script>` + p("script") + `</script>` +
			`<script src="` + c + `/hit/script-src.js"></script><SCRIPT>` + p("script-upper") + `</SCRIPT>`},
		{"event-handlers", `<body onload="` + p("body-onload") + `"><p>Event handlers.</p>` +
			`<img src="x" onerror="` + p("img-onerror") + `">` +
			`<img src=x onerror=` + p("img-onerror-unquoted") + `>` +
			`<div onmouseover="` + p("onmouseover") + `" style="width:100%;height:100px">hover</div>` +
			`<details open ontoggle="` + p("ontoggle") + `"><summary>s</summary>d</details>` +
			`<input autofocus onfocus="` + p("onfocus") + `">` +
			`<video><source onerror="` + p("source-onerror") + `"></video></body>`},
		{"javascript-links", `<p>javascript: links.</p>` +
			`<a id="js1" href="javascript:` + p("a-href") + `">click me</a> ` +
			`<a href="JaVaScRiPt:` + p("a-href-case") + `">and me</a> ` +
			`<a href="&#106;avascript:` + p("a-href-entity") + `">and me</a> ` +
			`<a href=" javascript:` + p("a-href-space") + `">and me</a> ` +
			`<a href="java&#x09;script:` + p("a-href-tab") + `">and me</a> ` +
			`<a href="data:text/html;base64,` + base64.StdEncoding.EncodeToString([]byte("<script>"+p("a-data")+"</script>")) + `">data</a> ` +
			`<a href="vbscript:msgbox(1)">vb</a>`},
		{"svg", `<p>SVG.</p><svg xmlns="http://www.w3.org/2000/svg" width="100" height="40">` +
			`<script>` + p("svg-script") + `</script>` +
			`<a xlink:href="javascript:` + p("svg-a") + `"><text y="20">svg link</text></a>` +
			`<animate onbegin="` + p("svg-onbegin") + `" attributeName="x" dur="1s"/>` +
			`<set attributeName="onmouseover" to="` + p("svg-set") + `"/>` +
			`<foreignObject><iframe srcdoc="&lt;script&gt;` + p("svg-foreign") + `&lt;/script&gt;"></iframe></foreignObject>` +
			`</svg><svg onload="` + p("svg-onload") + `"></svg>` +
			`<img src="data:image/svg+xml;base64,` + base64.StdEncoding.EncodeToString([]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="`+p("svg-img")+`"/>`)) + `">`},
		{"meta-refresh", `<meta http-equiv="refresh" content="0;url=` + c + `/hit/meta-refresh">` +
			`<meta http-equiv="refresh" content="0;url=javascript:` + p("meta-refresh-js") + `">` +
			`<meta http-equiv="Content-Security-Policy" content="default-src *">` +
			`<meta http-equiv="set-cookie" content="pwned=1"><p>Meta refresh.</p>`},
		{"base", `<base href="` + c + `/base/"><p>A base element.</p><img src="relative.png">` +
			`<a href="relative-link">relative link</a><link rel="stylesheet" href="base.css">`},
		{"forms", `<p>Forms.</p><form action="` + c + `/form" method="post"><input name="q" value="secret">` +
			`<button formaction="javascript:` + p("formaction") + `">go</button><input type="submit"></form>` +
			`<form id="f2"></form><button form="f2" formaction="` + c + `/form2">x</button>` +
			`<isindex action="javascript:` + p("isindex") + `">`},
		{"iframes", `<p>Frames.</p><iframe src="` + c + `/iframe"></iframe>` +
			`<iframe srcdoc="&lt;script&gt;` + p("iframe-srcdoc") + `&lt;/script&gt;"></iframe>` +
			`<iframe src="javascript:` + p("iframe-js") + `"></iframe>` +
			`<frameset><frame src="` + c + `/frame"></frameset>`},
		{"object", `<p>Plugins.</p><object data="` + c + `/object"></object>` +
			`<object data="data:text/html;base64,` + base64.StdEncoding.EncodeToString([]byte("<script>"+p("object-data")+"</script>")) + `"></object>` +
			`<embed src="` + c + `/embed"><applet code="x" codebase="` + c + `/applet"></applet>` +
			`<portal src="` + c + `/portal"></portal>`},
		{"css-url", `<style>@import url(` + c + `/css/import.css); body{background:url(` + c + `/css/style.png)}` +
			`@font-face{font-family:x;src:url(` + c + `/css/font.woff)} p{behavior:url(` + c + `/css/behavior.htc)}</style>` +
			`<p style="background-image:url('` + c + `/css/inline.png')">CSS url().</p>` +
			`<div style="background:url(&quot;` + c + `/css/entity.png&quot;)">entity</div>` +
			`<div style="width:expression(` + p("css-expression") + `)">expression</div>` +
			`<link rel="stylesheet" href="` + c + `/css/link.css"><link rel="prefetch" href="` + c + `/css/prefetch">` +
			`<div style="list-style:url(` + c + `/css/list.png)">list</div>`},
		{"remote-images", `<p>Remote images.</p><img src="` + c + `/img/remote.png" width="20" height="20" alt="remote">` +
			`<img srcset="` + c + `/img/srcset.png 1x" alt="srcset"><picture><source srcset="` + c + `/img/source.png"><img alt="pic"></picture>` +
			`<input type="image" src="` + c + `/img/input.png"><video poster="` + c + `/img/poster.png"></video>` +
			`<table background="` + c + `/img/table.png"><tr><td background="` + c + `/img/td.png">cell</td></tr></table>` +
			`<img src="//` + strings.TrimPrefix(c, "http://") + `/img/scheme-relative.png"><audio src="` + c + `/img/audio.mp3"></audio>`},
		{"mutation-xss", `<p>Parser tricks.</p><noscript><p title="</noscript><img src=x onerror=` + p("mxss-noscript") + `>"></noscript>` +
			`<math><mtext><table><mglyph><style><img src=x onerror=` + p("mxss-math") + `></style></mglyph></table></mtext></math>` +
			`<svg><style><img src=x onerror=` + p("mxss-svg-style") + `></style></svg>` +
			`<textarea><img src=x onerror=` + p("textarea") + `></textarea>` +
			`<!--<img src=x onerror=` + p("comment") + `>--><![CDATA[<img src=x onerror=` + p("cdata") + `>]]>` +
			`<template><img src=x onerror=` + p("template") + `></template>`},
	}
	return append(cases, corpusFiles(c)...)
}

// corpusFiles are the sanitiser's own hostile bodies
// (pkg/mailhtml/testdata/hostile/*.html), when there are any. Remote URLs
// in them are pointed at the canary.
func corpusFiles(c string) []hostileCase {
	files, _ := filepath.Glob(filepath.Join("..", "mailhtml", "testdata", "hostile", "*.html"))
	sort.Strings(files)
	host := strings.TrimPrefix(c, "http://")
	var out []hostileCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		name := "corpus-" + strings.TrimSuffix(filepath.Base(f), ".html")
		// Their payloads call alert(1): make them leave every trace.
		s := strings.ReplaceAll(string(b), "alert(1)", payload(c, name))
		for _, remote := range []string{"https://remote.example", "http://remote.example", "//remote.example",
			"https://tracker.example", "http://tracker.example", "//tracker.example", "https://evil.example", "http://evil.example", "//evil.example"} {
			if strings.HasPrefix(remote, "//") {
				s = strings.ReplaceAll(s, remote, "//"+host)
			} else {
				s = strings.ReplaceAll(s, remote, c)
			}
		}
		out = append(out, hostileCase{name, s})
	}
	return out
}

// hostileMessage is an email from Alice (a user) to a prospect, with the
// log address in Bcc, whose subject and names carry HTML and whose HTML
// body is html.
func hostileMessage(c, name, html string, n int, logged bool) message {
	p := func(id string) string { return payload(c, id) }
	var b strings.Builder
	if logged {
		b.WriteString("Delivered-To: log@crm.example.com\r\n")
	}
	fmt.Fprintf(&b, "From: \"<script>%s</script> Alice\" <alice@example.com>\r\n", p("from-name-"+name))
	fmt.Fprintf(&b, "To: \"<img src=x onerror=%s> Buyer\" <buyer%d@hostile%d.example>\r\n", p("to-name-"+name), n, n)
	if logged {
		b.WriteString("Bcc: log@crm.example.com\r\n")
	}
	fmt.Fprintf(&b, "Subject: hostilecase %s <img src=x onerror=%s> <script>%s</script> <b>bold</b>\r\n",
		name, p("subject-img-"+name), p("subject-script-"+name))
	fmt.Fprintf(&b, "Date: Tue, 3 Mar 2026 %02d:%02d:00 +0100\r\n", 8+n/60, n%60)
	fmt.Fprintf(&b, "Message-ID: <hostile-%s-%d@example.com>\r\n", name, n)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"hostile-boundary\"\r\n\r\n")
	b.WriteString("--hostile-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	fmt.Fprintf(&b, "Hostile case %s: the text part. <script>%s</script>\r\n", name, p("text-"+name))
	b.WriteString("--hostile-boundary\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(html))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--hostile-boundary--\r\n")
	return message{Name: name, Raw: []byte(b.String())}
}

// ---------------------------------------------------------------------------
// Looking into every frame

// frameCtx is one frame of the tab: the page, or a frame of it.
type frameCtx struct {
	desc string
	ctx  context.Context
	// world is the JavaScript context to evaluate in: 0 for the target's
	// main world, else an isolated world in a nested frame (which shares
	// the frame's DOM, not its globals).
	world runtime.ExecutionContextID
}

// frames lists the tab's page and every frame in it: out-of-process ones
// (a sandboxed iframe is one: Chrome gives it its own process and target)
// through their targets, in-process ones through isolated worlds.
func frames(t testing.TB, tb *tab) []frameCtx {
	t.Helper()
	c := chromedp.FromContext(tb.ctx)
	if c == nil || c.Target == nil {
		t.Fatal("frames: the tab has no target")
	}
	infos, err := chromedp.Targets(tb.ctx)
	if err != nil {
		t.Fatalf("targets: %v", err)
	}
	// The tab's out-of-process frames: iframe targets whose parent is the
	// tab or one of them.
	mine := map[target.ID]bool{c.Target.TargetID: true}
	var iframes []*target.Info
	for grew := true; grew; {
		grew = false
		for _, in := range infos {
			if in.Type == "iframe" && !mine[in.TargetID] && mine[in.ParentID] {
				mine[in.TargetID] = true
				iframes = append(iframes, in)
				grew = true
			}
		}
	}
	targets := []frameCtx{{desc: "page", ctx: tb.ctx}}
	for _, in := range iframes {
		fctx, cancel := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(in.TargetID), chromedp.WithDetachOnCancel())
		t.Cleanup(cancel)
		targets = append(targets, frameCtx{desc: "iframe " + in.URL, ctx: fctx})
	}
	out := append([]frameCtx(nil), targets...)
	// In-process frames inside each target.
	for _, tg := range targets {
		res, err := chromedp.Call(tg.ctx, page.GetFrameTree, struct{}{})
		if err != nil {
			t.Fatalf("%s: frame tree: %v", tg.desc, err)
		}
		var walk func(ft *page.FrameTree, top bool)
		walk = func(ft *page.FrameTree, top bool) {
			if !top && !mine[target.ID(ft.Frame.ID)] {
				w, err := chromedp.Call(tg.ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: ft.Frame.ID, WorldName: "canary-check"})
				if err == nil {
					out = append(out, frameCtx{desc: tg.desc + " > frame " + ft.Frame.URL, ctx: tg.ctx, world: w.ExecutionContextID})
				} else {
					t.Logf("%s > frame %s: no isolated world: %v", tg.desc, ft.Frame.URL, err)
				}
			}
			for _, ch := range ft.ChildFrames {
				walk(ch, false)
			}
		}
		walk(res.FrameTree, true)
	}
	return out
}

func inWorld(id runtime.ExecutionContextID) chromedp.EvaluateOption {
	return func(p *runtime.EvaluateParams) {
		if id != 0 {
			p.ContextID = id
		}
	}
}

// flagExpr reads the traces a payload leaves in a frame, and in the frames
// inside it that it can reach (same origin, same process); frames it
// cannot reach are looked into on their own.
const flagExpr = `(() => {
	const out = [];
	const look = (w, name, depth) => {
		try { if (w.pwned !== undefined) out.push(name + ".pwned=" + w.pwned); } catch (e) { return; }
		try {
			const el = w.document.documentElement;
			if (el && el.hasAttribute("data-pwned")) out.push(name + " data-pwned=" + el.getAttribute("data-pwned"));
		} catch (e) {}
		if (depth < 5) {
			for (let i = 0; i < w.frames.length; i++) look(w.frames[i], name + ".frames[" + i + "]", depth + 1);
		}
	};
	look(window, "window", 0);
	try { if (window !== top && top.pwned !== undefined) out.push("top.pwned=" + top.pwned); } catch (e) {}
	return out.join(" ");
})()`

// inspection is what a look into every frame of a tab found.
type inspection struct {
	frames     int
	traces     []string // what executed payloads left, by frame
	scriptURLs []string // elements still carrying script URLs, by frame
	notOpaque  []string // frames (not the page) whose origin is not opaque
}

// inspect looks into every frame of the tab for payload traces and, with
// urls, for script URLs left in the markup (clicking them).
func inspect(t testing.TB, tb *tab, urls bool) inspection {
	t.Helper()
	fs := frames(t, tb)
	in := inspection{frames: len(fs)}
	for i, f := range fs {
		if i > 0 {
			origin, err := chromedp.Run(f.ctx, chromedp.Evaluate[string](`self.origin`, inWorld(f.world)))
			if err != nil || origin != "null" {
				in.notOpaque = append(in.notOpaque, fmt.Sprintf("%s: origin %q %v", f.desc, origin, err))
			}
		}
		if urls && i > 0 {
			left, err := chromedp.Run(f.ctx, chromedp.Evaluate[[]string](scriptURLExpr, inWorld(f.world)))
			if err == nil && len(left) > 0 {
				in.scriptURLs = append(in.scriptURLs, fmt.Sprintf("%s: %v", f.desc, left))
			}
		}
	}
	if urls && len(in.scriptURLs) > 0 {
		settle(t, tb) // the clicks' effects, if any
	}
	for _, f := range fs {
		s, err := chromedp.Run(f.ctx, chromedp.Evaluate[string](flagExpr, inWorld(f.world)))
		if err != nil {
			t.Logf("%s: cannot evaluate: %v", f.desc, err)
			continue
		}
		if s != "" {
			in.traces = append(in.traces, f.desc+": "+s)
		}
	}
	return in
}

// frameTexts are the visible texts of the tab's frames (not the page).
func frameTexts(t testing.TB, tb *tab) []string {
	t.Helper()
	var out []string
	for _, f := range frames(t, tb)[1:] {
		s, err := chromedp.Run(f.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`, inWorld(f.world)))
		if err == nil {
			out = append(out, s)
		}
	}
	return out
}

// scriptURLs lists the elements of every frame that still carry a
// javascript:, vbscript: or data:text/html URL, and clicks them (in the
// sandbox a click must not run anything either).
const scriptURLExpr = `(() => {
	const out = [];
	for (const el of document.querySelectorAll("*")) {
		for (const a of el.attributes) {
			const v = a.value.replace(/[\u0000-\u0020]/g, "").toLowerCase();
			if (/^(javascript|vbscript):/.test(v) || /^data:text\/html/.test(v)) {
				out.push(el.tagName.toLowerCase() + "[" + a.name + "]");
				try { el.click(); } catch (e) {}
			}
		}
	}
	return out;
})()`

// ---------------------------------------------------------------------------
// Tests

// settle waits for asynchronous payloads (error events, timers, fetches).
func settle(t testing.TB, tb *tab) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserHostileControl serves payloads without the sandbox and CSP,
// on a page of the test's own: each detector (a dialog; the flag in the
// page, in an in-process frame and in an out-of-process one; a canary hit)
// must fire, or the hostile test below would prove nothing.
func TestBrowserHostileControl(t *testing.T) {
	needBrowser(t)
	cn := newCanary(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><title>control</title><p>control</p><script>%s</script>`+
			`<iframe src="/same"></iframe><iframe sandbox="allow-scripts" src="/sandboxed"></iframe>`, payload(cn.URL, "control-top"))
	})
	mux.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><img src=x onerror="%s">`, payload(cn.URL, "control-same"))
	})
	mux.HandleFunc("/sandboxed", func(w http.ResponseWriter, r *http.Request) {
		// The hostile "script" body the app gets, served raw: in a frame
		// that may run scripts, without the sanitiser and the CSP.
		fmt.Fprint(w, hostileBodies(cn.URL)[0].html)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tb := newTab(t, srv.URL)
	tb.open("/")
	settle(t, tb)
	in := inspect(t, tb, false)
	t.Logf("control: %d frames; traces: %q; dialogs: %q", in.frames, in.traces, tb.Dialogs())
	joined := strings.Join(in.traces, "\n")
	for _, want := range []string{
		"page: window.pwned=1", "window data-pwned=control-top", // the page
		"window.frames[0].pwned=1", "window.frames[0] data-pwned=control-same", // same-origin frame, from the page
		"page > frame " + srv.URL + "/same: window data-pwned=control-same",     // the same, through an isolated world
		"iframe " + srv.URL + "/sandboxed: window.pwned=1", "data-pwned=script", // out-of-process sandboxed frame
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("control: the flag check missed %q in %q", want, in.traces)
		}
	}
	if !containsPrefix(in.notOpaque, "page > frame "+srv.URL+"/same") {
		t.Errorf("control: the origin check missed the unsandboxed same-origin frame: %q", in.notOpaque)
	}
	if len(tb.Dialogs()) == 0 {
		t.Error("control: no JavaScript dialog seen, though the payload opened one")
	}
	waitFor(t, 3*time.Second, func() bool { return len(cn.Hits("/hit/")) >= 3 })
	for _, id := range []string{"control-top", "control-same", "script"} {
		if !containsPrefix(cn.Hits("/hit/"), "GET /hit/"+id) {
			t.Errorf("control: the canary got no hit from %s; hits: %q", id, cn.Hits(""))
		}
	}
}

// hostileWorkers is how many tabs open the hostile pages at once.
const hostileWorkers = 4

func TestBrowserHostileRendering(t *testing.T) {
	needBrowser(t)
	cn := newCanary(t)
	cases := hostileBodies(cn.URL)
	var msgs []message
	for i, hc := range cases {
		msgs = append(msgs, hostileMessage(cn.URL, hc.name, hc.html, i, true))
	}
	// A hostile message that was not logged (no log address anywhere): it
	// shows on Alice's home page and in the intake log.
	msgs = append(msgs, hostileMessage(cn.URL, "rejected", cases[0].html, len(cases), false))
	a, err := newApp(t, t.TempDir(), msgs, false)
	if err != nil {
		t.Fatalf("hostile store: %v", err)
	}
	t.Cleanup(a.close)
	a = a.serve(t)
	if r := a.Results["rejected"]; r.Outcome != ingest.OutcomeRejected {
		t.Fatalf("the hostile rejection was %s, want rejected", r.Outcome)
	}

	main := newTab(t, a.URL)
	main.app = a
	main.signIn(webtest.Alice, webtest.AlicePassword)
	if p := main.path(); p != "/" {
		t.Fatalf("sign-in failed: on %s", p)
	}
	if text := main.text(); !strings.Contains(text, "hostilecase rejected") {
		t.Errorf("Alice's home page does not list her hostile rejected message:\n%s", text)
	}

	// The pages: every hostile email, and the pages that show their
	// subjects and names.
	type job struct{ name, path string }
	var jobs []job
	for _, hc := range cases {
		jobs = append(jobs, job{"email/" + hc.name, fmt.Sprintf("/emails/%d", a.emailID(t, hc.name))})
	}
	for _, p := range []string{"/", "/contacts", "/companies", "/search?q=hostilecase", "/search?q=" + url.QueryEscape("<script>"),
		"/search?q=onerror", "/intake", "/intake?outcome=rejected", "/contacts/buyer0@hostile0.example", "/companies/hostile0.example"} {
		jobs = append(jobs, job{"page" + p, p})
	}
	main.open("/intake")
	for _, href := range firstN(main.attrs(`a[href^="/intake/"]`, "href"), 3) {
		if !strings.HasSuffix(href, "/raw") {
			jobs = append(jobs, job{"page" + href, href})
		}
	}

	pool := make(chan *tab, hostileWorkers)
	pool <- main
	for range hostileWorkers - 1 {
		pool <- main.sibling(t)
	}
	t.Run("pages", func(t *testing.T) {
		for _, j := range jobs {
			t.Run(j.name, func(t *testing.T) {
				t.Parallel()
				shared := <-pool
				defer func() { pool <- shared }()
				tb := shared.with(t)
				dialogsBefore := len(tb.Dialogs())
				if status := tb.open(j.path); status != http.StatusOK {
					t.Errorf("GET %s: %d", j.path, status)
				}
				isEmail := strings.HasPrefix(j.name, "email/")
				if isEmail {
					if n := tb.count("iframe"); n != 1 {
						t.Errorf("the email page has %d iframes, want 1", n)
					}
				}
				settle(t, tb)
				in := inspect(t, tb, isEmail)
				if len(in.traces) > 0 {
					t.Errorf("GET %s: script ran: %q", j.path, in.traces)
				}
				if len(in.scriptURLs) > 0 {
					t.Errorf("GET %s: the sanitised body still has script URLs: %q", j.path, in.scriptURLs)
				}
				if len(in.notOpaque) > 0 {
					t.Errorf("GET %s: frames not sandboxed (origin not opaque): %q", j.path, in.notOpaque)
				}
				if isEmail && in.frames < 2 {
					t.Errorf("GET %s: only %d frames inspected; the body's frame was not found", j.path, in.frames)
				}
				if d := tb.Dialogs(); len(d) > dialogsBefore {
					t.Errorf("GET %s: JavaScript dialogs opened: %q", j.path, d[dialogsBefore:])
				}
				if h := cn.Hits(""); len(h) > 0 {
					t.Errorf("GET %s: the remote host got requests before anyone asked: %q", j.path, h)
				}
			})
		}
	})

	// Remote content: nothing was fetched from the remote host so far; one
	// click on "show remote content" loads the remote images, and still no
	// script runs.
	tb := main.with(t)
	settle(t, tb)
	if h := cn.Hits(""); len(h) > 0 {
		t.Fatalf("the remote host got requests before anyone asked: %q", h)
	}
	id := a.emailID(t, "remote-images")
	tb.open(fmt.Sprintf("/emails/%d", id))
	remote := fmt.Sprintf(`a[href="/emails/%d?remote=1"]`, id)
	if tb.count(remote) == 0 {
		t.Fatalf("the email with remote images has no %s link (show remote content); page:\n%s", remote, tb.text())
	}
	// The link, or the line it is on, says what it does.
	if text := eval[string](tb, fmt.Sprintf(`document.querySelector(%s).parentElement.innerText`, jsString(remote))); !strings.Contains(strings.ToLower(text), "remote") {
		t.Errorf("the remote content link's line says %q, not what it shows", text)
	}
	dialogsBefore := len(tb.Dialogs())
	tb.clickCSS(remote)
	waitFor(t, 5*time.Second, func() bool { return len(cn.Hits("/img/")) > 0 })
	if h := cn.Hits("/img/"); len(h) == 0 {
		t.Errorf("after one click on show remote content the remote images were not fetched; hits: %q", cn.Hits(""))
	} else {
		t.Logf("after one click: %d remote image requests: %q", len(h), h)
	}
	settle(t, tb)
	if in := inspect(t, tb, true); len(in.traces) > 0 || len(in.scriptURLs) > 0 {
		t.Errorf("with remote content shown, script ran (%q) or script URLs are left (%q)", in.traces, in.scriptURLs)
	}
	if h := cn.Hits("/hit/"); len(h) > 0 {
		t.Errorf("with remote content shown, a payload ran: %q", h)
	}
	if d := tb.Dialogs(); len(d) > dialogsBefore {
		t.Errorf("with remote content shown, dialogs opened: %q", d[dialogsBefore:])
	}
	// Remote content for one email is not remote content for all: another
	// email's page fetches nothing new.
	before := len(cn.Hits(""))
	tb.open(fmt.Sprintf("/emails/%d", a.emailID(t, "css-url")))
	settle(t, tb)
	if after := cn.Hits(""); len(after) != before {
		t.Errorf("another email's page fetched remote content without a click: %q", after[before:])
	}
}

// ---------------------------------------------------------------------------

func waitFor(t testing.TB, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func firstN(list []string, n int) []string {
	if len(list) > n {
		return list[:n]
	}
	return list
}
