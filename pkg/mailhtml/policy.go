package mailhtml

import (
	"net/url"
	"regexp"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// styleProperties are the inline style properties kept, besides
// background, whose url() is allowed only with remote content.
var styleProperties = []string{
	"color", "background-color",
	"font", "font-family", "font-size", "font-style", "font-variant", "font-weight",
	"text-align", "text-decoration", "text-transform", "text-indent",
	"line-height", "letter-spacing", "vertical-align", "white-space",
	"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
	"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
	"border", "border-top", "border-right", "border-bottom", "border-left",
	"border-color", "border-style", "border-width", "border-radius",
	"border-collapse", "border-spacing",
	"width", "height", "max-width", "min-width", "max-height", "min-height",
}

var (
	policyOnce  sync.Once
	localPolicy *bluemonday.Policy // remote content blocked
	fullPolicy  *bluemonday.Policy // remote content allowed
)

// policyFor returns the bluemonday policy for the second pass.
func policyFor(allowRemote bool) *bluemonday.Policy {
	policyOnce.Do(func() {
		localPolicy = newPolicy(false)
		fullPolicy = newPolicy(true)
	})
	if allowRemote {
		return fullPolicy
	}
	return localPolicy
}

var (
	remoteURLRe = regexp.MustCompile(`^(?i)https?://[^\s"'()<>\\]+$`)
	faceRe      = regexp.MustCompile(`^[\p{L}\p{N}\s,'"_-]{1,200}$`)
	fontSizeRe  = regexp.MustCompile(`^[+-]?[1-7]$`)
	targetRe    = regexp.MustCompile(`^_blank$`)
	displayRe   = regexp.MustCompile(`^(none|block|inline|inline-block|table|table-row|table-cell|list-item)(\s*!important)?$`)
	overflowRe  = regexp.MustCompile(`^(visible|hidden|auto|scroll)(\s*!important)?$`)
	visibleRe   = regexp.MustCompile(`^(visible|hidden)(\s*!important)?$`)
)

// newPolicy builds the allowlist: UGCPolicy plus what email layouts need.
func newPolicy(allowRemote bool) *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowTables()
	p.AllowURLSchemeWithCustomPolicy("data", dataURLOK)
	p.RequireNoFollowOnLinks(false)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("target").Matching(targetRe).OnElements("a", "area")

	p.AllowElements("center", "font")
	p.AllowAttrs("color").Matching(colorRe).OnElements("font")
	p.AllowAttrs("face").Matching(faceRe).OnElements("font")
	p.AllowAttrs("size").Matching(fontSizeRe).OnElements("font")
	p.AllowAttrs("border", "cellpadding", "cellspacing").Matching(bluemonday.Integer).OnElements("table")
	p.AllowAttrs("border").Matching(bluemonday.Integer).OnElements("img")
	p.AllowAttrs("align").Matching(bluemonday.CellAlign).OnElements("table", "div", "p", "center",
		"h1", "h2", "h3", "h4", "h5", "h6")

	local := func(v string) bool { return cssValueOK(v, false) }
	p.AllowStyles(styleProperties...).MatchingHandler(local).Globally()
	p.AllowStyles("display").Matching(displayRe).Globally()
	p.AllowStyles("overflow", "overflow-x", "overflow-y").Matching(overflowRe).Globally()
	p.AllowStyles("visibility").Matching(visibleRe).Globally()
	if allowRemote {
		p.AllowStyles("background", "background-image").
			MatchingHandler(func(v string) bool { return cssValueOK(v, true) }).Globally()
		p.AllowAttrs("background").Matching(remoteURLRe).
			OnElements("table", "thead", "tbody", "tfoot", "tr", "td", "th", "div")
	} else {
		p.AllowStyles("background").MatchingHandler(local).Globally()
	}
	return p
}

// dataURLOK admits data: URIs of base64 PNG, JPEG, GIF and WebP images.
// (The first pass lets data: through only in img src.)
func dataURLOK(u *url.URL) bool {
	if u.RawQuery != "" || u.Fragment != "" {
		return false
	}
	d, ok := imageData("data:" + u.Opaque)
	return ok && d == "data:"+u.Opaque
}
