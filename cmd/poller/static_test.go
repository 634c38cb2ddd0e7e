package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The container image (../../Dockerfile) cannot be built here: there is no
// Docker engine. These tests do what docker build would, short of the image
// layers: TestStaticBinaryRunsDemo runs the Dockerfile's own "go build" line
// on the build context .dockerignore leaves, checks that the binary is
// statically linked and runs it with an empty environment, as in the
// distroless image. TestDockerfileLint checks the rules the image must keep.

const repoRoot = "../.."

// staticTestEnv turns on TestStaticBinaryRunsDemo: the everyday go test
// skips the static build, .ci/run sets it.
const staticTestEnv = "POLLER_STATIC_TEST"

// TestCIFuzzesWhatTheREADMESays: every fuzz target the README's security
// section says .ci/run fuzzes is in .ci/run's list.
func TestCIFuzzesWhatTheREADMESays(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "- Fuzzing:")
	if !ok {
		t.Fatal("the README has no \"- Fuzzing:\" item")
	}
	item, _, _ := strings.Cut(after, "\n-")
	item, _, _ = strings.Cut(item, "\n\n")
	names := regexp.MustCompile(`Fuzz[A-Za-z0-9]+`).FindAllString(item, -1)
	if len(names) == 0 {
		t.Fatal("the README's fuzzing item names no target")
	}
	for _, name := range names {
		if !strings.Contains(string(ci), `"`+name+` ./pkg/`) {
			t.Errorf("the README says .ci/run fuzzes %s; .ci/run does not", name)
		}
	}
}

// TestCIRunsTheStaticBuild: the static build stays in CI although go test
// skips it by default.
func TestCIRunsTheStaticBuild(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^export ` + staticTestEnv + `=1$`).Match(data) {
		t.Errorf(".ci/run does not export %s=1: CI would skip TestStaticBinaryRunsDemo", staticTestEnv)
	}
}

// TestStaticBinaryRunsDemo builds poller exactly as the Dockerfile's build
// stage does and runs "poller demo" and the image's HEALTHCHECK with the
// result. The first run compiles the standard library and SQLite with the
// image's tags and -trimpath (about 150 s of CPU: 1.5 to 5 minutes on a
// 2-core machine, by its load); later runs take seconds.
func TestStaticBinaryRunsDemo(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the image's binary is a linux one; this checks a native static build")
	}
	if testing.Short() {
		t.Skip("builds the static binary (minutes the first time); not in -short mode")
	}
	if os.Getenv(staticTestEnv) != "1" {
		t.Skipf("builds the static binary as the Dockerfile does (minutes on a cold cache); .ci/run runs it: %s=1 go test -run TestStaticBinaryRunsDemo ./cmd/poller", staticTestEnv)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run the Dockerfile's build: %v", err)
	}
	df := readDockerfile(t)
	spec, err := df.goBuild()
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	if v, _ := spec.getenv("CGO_ENABLED"); v != "1" {
		t.Fatalf("Dockerfile line %d: the build must set CGO_ENABLED=1 (SQLite is cgo), it sets %q", spec.line, v)
	}

	tmp := t.TempDir()
	contextDir := filepath.Join(tmp, "context")
	if err := copyBuildContext(repoRoot, contextDir); err != nil {
		t.Fatalf("build context: %v", err)
	}
	bin := filepath.Join(tmp, "poller")
	args := slices.Clone(spec.args)
	args[spec.outIndex] = bin
	buildCtx, cancel := contextWithTimeout(t, 9*time.Minute)
	defer cancel()
	build := exec.CommandContext(buildCtx, goTool, append([]string{"build"}, args...)...)
	build.Dir = contextDir
	// The test's environment (GOFLAGS, GOCACHE, GOPROXY, ...) with the
	// Dockerfile's ENV, ARG and inline assignments on top: the last value
	// of a key wins.
	build.Env = append(os.Environ(), spec.env...)
	start := time.Now()
	out, err := build.CombinedOutput()
	t.Logf("Dockerfile line %d: go build %s (%s)", spec.line, shellQuote(spec.args), time.Since(start).Round(100*time.Millisecond))
	if err != nil {
		hint := ""
		if bytes.Contains(out, []byte("cannot find -lc")) || bytes.Contains(out, []byte("cannot find -lpthread")) ||
			bytes.Contains(out, []byte("cannot find -lm")) || bytes.Contains(out, []byte("cannot find -ldl")) {
			hint = "\n(the static C library is missing: on Debian it is in libc6-dev)"
		}
		t.Fatalf("the Dockerfile's go build failed: %v\n%s%s", err, out, hint)
	}
	if len(bytes.TrimSpace(out)) > 0 {
		t.Logf("go build said:\n%s", out)
	}
	if fi, err := os.Stat(bin); err == nil {
		t.Logf("binary: %.1f MB", float64(fi.Size())/(1<<20))
	}

	assertStaticELF(t, bin)
	assertBuildSettings(t, bin, spec)

	// As in the image: nothing in the environment (no HOME, no PATH, no
	// TMPDIR), and a working folder holding nothing of the project.
	work := t.TempDir()
	runImage := func(args ...string) (string, error) {
		ctx, cancel := contextWithTimeout(t, 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = []string{}
		cmd.Dir = work
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		err := cmd.Run()
		return buf.String(), err
	}

	out2, err := runImage("help")
	if err != nil || !strings.Contains(out2, "usage: poller") {
		t.Fatalf("poller help: %v\n%s", err, out2)
	}

	abs := func(p string) string {
		a, err := filepath.Abs(filepath.Join(repoRoot, p))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	db := filepath.Join(tmp, "demo.db")
	// No --config, no --fixtures: the binary's own, as anywhere else.
	out2, err = runImage("demo", "--db", db)
	if err != nil {
		t.Fatalf("poller demo with the static binary: %v\n%s", err, out2)
	}
	if !strings.Contains(out2, "pass demo/INBOX: seen") {
		t.Fatalf("poller demo printed no pass summary line (pass demo/INBOX: seen ...):\n%s", out2)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("poller demo left no database: %v", err)
	}
	for _, line := range strings.Split(out2, "\n") {
		if strings.HasPrefix(line, "pass demo/INBOX:") {
			t.Log(line)
		}
	}

	// The image's HEALTHCHECK line, with the config's http.listen pointing
	// at a stand-in for the daemon's /healthz: healthy while it answers
	// 200, unhealthy once it is gone.
	hc := df.stages[len(df.stages)-1].last("HEALTHCHECK")
	if hc == nil {
		t.Fatal("the Dockerfile has no HEALTHCHECK")
	}
	hcArgs, err := healthcheckCommand(hc.args)
	if err != nil || len(hcArgs) < 2 {
		t.Fatalf("Dockerfile line %d: HEALTHCHECK %s: %v", hc.line, hc.args, err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	defer srv.Close()
	config := healthConfig(t, abs("config.example.yaml"), srv.Listener.Addr().String())
	hcArgs = slices.Clone(hcArgs[1:]) // hcArgs[0] is the image's /poller
	for i, a := range hcArgs {
		if a == imageConfigPath {
			hcArgs[i] = config
		}
	}
	if out, err := runImage(hcArgs...); err != nil {
		t.Errorf("the HEALTHCHECK (poller %s) with /healthz answering 200: %v\n%s", strings.Join(hcArgs, " "), err, out)
	}
	srv.Close()
	if out, err := runImage(hcArgs...); err == nil {
		t.Errorf("the HEALTHCHECK (poller %s) succeeded with nothing serving /healthz:\n%s", strings.Join(hcArgs, " "), out)
	}
}

// imageConfigPath is where the image expects the config (mounted read-only).
const imageConfigPath = "/etc/poller/config.yaml"

// healthConfig writes a copy of the example config whose http.listen is addr.
func healthConfig(t *testing.T, example, addr string) string {
	t.Helper()
	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	httpSection, _ := doc["http"].(map[string]any)
	if httpSection == nil {
		httpSection = map[string]any{}
	}
	httpSection["listen"] = addr
	doc["http"] = httpSection
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// shellQuote joins args for a log line, quoting those with spaces.
func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if a == "" || strings.ContainsAny(a, " \t'\"") {
			q[i] = strconv.Quote(a)
		}
	}
	return strings.Join(q, " ")
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	if deadline, ok := t.Deadline(); ok && time.Until(deadline) < d {
		return context.WithDeadline(context.Background(), deadline.Add(-5*time.Second))
	}
	return context.WithTimeout(context.Background(), d)
}

// assertStaticELF fails unless bin is an ELF executable with no program
// interpreter and no shared library dependency: what "ldd" calls "not a
// dynamic executable", and what runs on distroless static or scratch.
func assertStaticELF(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("the built binary is not ELF: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp := make([]byte, p.Filesz)
			p.ReadAt(interp, 0)
			t.Errorf("the binary is dynamically linked: its program interpreter is %s", bytes.TrimRight(interp, "\x00"))
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		t.Fatalf("reading the binary's dynamic section: %v", err)
	}
	if len(libs) > 0 {
		t.Errorf("the binary needs shared libraries (DT_NEEDED): %v", libs)
	}
}

// assertBuildSettings checks the settings recorded in the binary: the build
// that ran is the one the Dockerfile asks for.
func assertBuildSettings(t *testing.T, bin string, spec *goBuildSpec) {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("reading the binary's build information: %v", err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "1" {
		t.Errorf("the binary was built with CGO_ENABLED=%q, want 1", settings["CGO_ENABLED"])
	}
	got := strings.Split(settings["-tags"], ",")
	for _, tag := range spec.tags() {
		if !slices.Contains(got, tag) {
			t.Errorf("the binary was built without the Dockerfile's tag %q (tags %q)", tag, settings["-tags"])
		}
	}
	// timetzdata puts the zone database in the binary, so that a config's
	// timezone (Europe/Rome) loads even where /usr/share/zoneinfo is missing.
	if !slices.Contains(got, "timetzdata") {
		t.Errorf("the Dockerfile's build has no timetzdata tag: the image would depend on the base image's /usr/share/zoneinfo")
	}
}

// readDockerfile parses ../../Dockerfile.
func readDockerfile(t *testing.T) *dockerfile {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df, err := parseDockerfile(string(src))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return df
}

// TestDockerfileLint checks the Dockerfile against the rules the image keeps
// (lintDockerfile), and the contract between the image and poller: the
// command, the volume, the health check. The "catches" subtest shows each
// rule failing on a Dockerfile that breaks it.
func TestDockerfileLint(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("rules", func(t *testing.T) {
		for _, p := range lintDockerfile(string(src)) {
			t.Error("Dockerfile:", p)
		}
	})
	df, err := parseDockerfile(string(src))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	t.Run("contract", func(t *testing.T) {
		final := df.stages[len(df.stages)-1]
		if got := final.execForm(t, "ENTRYPOINT"); !slices.Equal(got, []string{"/poller"}) {
			t.Errorf("ENTRYPOINT %q, want [\"/poller\"]", got)
		}
		wantCmd := []string{"run", "--config", imageConfigPath, "--db", "/data/poller.db"}
		if got := final.execForm(t, "CMD"); !slices.Equal(got, wantCmd) {
			t.Errorf("CMD %q, want %q", got, wantCmd)
		}
		if vols := final.volumes(); !slices.Contains(vols, "/data") {
			t.Errorf("VOLUME %q: want /data, where the default command puts the database", vols)
		}
		if hc := final.last("HEALTHCHECK"); hc != nil {
			cmd, err := healthcheckCommand(hc.args)
			switch {
			case err != nil:
			case len(cmd) < 2 || cmd[0] != "/poller":
				t.Errorf("line %d: the health check runs %q, want the poller binary itself (distroless has no curl or wget)", hc.line, cmd)
			case !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(cmd[1]) + `\b`).MatchString(usage):
				t.Errorf("line %d: the health check runs \"poller %s\", a command poller does not have", hc.line, cmd[1])
			}
			if i := slices.Index(cmd, "--config"); i >= 0 && (i+1 >= len(cmd) || cmd[i+1] != imageConfigPath) {
				t.Errorf("line %d: the health check reads a config other than the default command's %s", hc.line, imageConfigPath)
			}
		}
		// The binary the build stage writes is the one the final stage copies.
		spec, err := df.goBuild()
		if err != nil {
			t.Fatal(err)
		}
		copied := false
		for _, in := range final.instrs {
			if in.cmd != "COPY" {
				continue
			}
			flags, paths := splitFlags(strings.Fields(in.args))
			if len(paths) == 2 && paths[0] == spec.args[spec.outIndex] && paths[1] == "/poller" &&
				slices.Contains(flags, "--from="+spec.stage.name) {
				copied = true
			}
		}
		if !copied {
			t.Errorf("the final stage does not COPY --from=%s %s /poller", spec.stage.name, spec.args[spec.outIndex])
		}
		// The build stage's Go is the one go.mod asks for.
		mod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^go (\d+\.\d+(?:\.\d+)?)\s*$`).FindSubmatch(mod)
		if m == nil {
			t.Fatal("go.mod has no go line")
		}
		if err := goImageMatches(spec.stage.image, string(m[1])); err != nil {
			t.Errorf("line %d: %v", spec.stage.line, err)
		}
	})
	t.Run("catches", func(t *testing.T) {
		const good = "FROM golang:1.26-bookworm AS build\nRUN go build -o /out/poller ./cmd/poller\n" +
			"FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/poller /poller\nUSER nonroot:nonroot\n" +
			"HEALTHCHECK CMD [\"/poller\", \"healthcheck\"]\nENTRYPOINT [\"/poller\"]\nCMD [\"run\"]\n"
		if p := lintDockerfile(good); len(p) > 0 {
			t.Fatalf("a good Dockerfile: %q", p)
		}
		for _, c := range []struct{ old, new, want string }{
			{"golang:1.26-bookworm", "golang:latest", "not pinned"},
			{"golang:1.26-bookworm", "golang", "not pinned"},
			{"static-debian12:nonroot", "static-debian12", "not pinned"},
			{"USER nonroot:nonroot", "USER root", "runs as root"},
			{"USER nonroot:nonroot", "USER 0:0", "runs as root"},
			{"USER nonroot:nonroot\n", "", "no USER"},
			{"HEALTHCHECK CMD [\"/poller\", \"healthcheck\"]\n", "", "no HEALTHCHECK"},
			{"HEALTHCHECK CMD [\"/poller\", \"healthcheck\"]", "HEALTHCHECK NONE", "no HEALTHCHECK"},
			{"HEALTHCHECK CMD [\"/poller\", \"healthcheck\"]", "HEALTHCHECK CMD /poller healthcheck", "exec (JSON) form"},
			{"ENTRYPOINT [\"/poller\"]", "ENTRYPOINT /poller", "exec (JSON) form"},
			{"CMD [\"run\"]", "CMD run --config x", "exec (JSON) form"},
			{"--from=build", "--from=builder", "not an earlier stage"},
			{"--from=build", "--from=0", "not an earlier stage"},
			{"RUN go build", "ADD https://example.com/x.tgz /x\nRUN go build", "remote URL"},
			{"RUN go build", "ENV IMAP_PASSWORD=hunter2\nRUN go build", "secret"},
			{"RUN go build", "ENV GITHUB_TOKEN hunter2\nRUN go build", "secret"},
			{"RUN go build", "ARG API_KEY\nRUN go build", "secret"},
			{"RUN go build", "MAINTAINER me\nRUN go build", "MAINTAINER"},
			{"RUN go build", "RUN <<EOF\nls\nEOF\nRUN go build", "heredoc"},
		} {
			bad := strings.Replace(good, c.old, c.new, 1)
			problems := lintDockerfile(bad)
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, c.want) }) {
				t.Errorf("%q -> %q: want a problem saying %q, got %q", c.old, c.new, c.want, problems)
			}
		}
	})
}

// goImageMatches checks that a golang:VERSION-... image provides the Go
// version of go.mod's go line: the same major.minor, and a patch release at
// least as new when the tag names one ("1.26" floats to the newest 1.26.x).
func goImageMatches(image, goLine string) error {
	name, tag, ok := strings.Cut(image, ":")
	if !ok || (name != "golang" && name != "docker.io/library/golang") {
		return fmt.Errorf("the build stage's image %s is not golang:VERSION-...", image)
	}
	ver, _, _ := strings.Cut(tag, "-")
	want := strings.Split(goLine, ".")
	got := strings.Split(ver, ".")
	if len(got) < 2 || got[0] != want[0] || got[1] != want[1] {
		return fmt.Errorf("image %s: go.mod says go %s, want golang:%s.%s-...", image, goLine, want[0], want[1])
	}
	if len(got) > 2 && len(want) > 2 {
		g, _ := strconv.Atoi(got[2])
		w, _ := strconv.Atoi(want[2])
		if g < w {
			return fmt.Errorf("image %s: go.mod says go %s, the image has an older Go", image, goLine)
		}
	}
	return nil
}

// ---- Dockerfile parsing ----

type dockerInstr struct {
	line int    // the instruction's first line
	cmd  string // upper case
	args string // the rest, continuation lines joined
}

type dockerStage struct {
	line   int
	image  string
	name   string // "" when unnamed
	instrs []dockerInstr
}

type dockerfile struct {
	global []dockerInstr // ARGs before the first FROM
	stages []*dockerStage
}

var heredocRE = regexp.MustCompile(`<<-?["']?[A-Za-z_]`)

// parseDockerfile splits src into instructions and stages, as docker's
// parser does for the default escape character: comment lines are dropped
// (also inside continuations), a trailing backslash continues the
// instruction on the next line. Heredocs are refused.
func parseDockerfile(src string) (*dockerfile, error) {
	var instrs []dockerInstr
	var cur strings.Builder
	start, cont := 0, false
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i, raw := range lines {
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue // comments and blank lines, also within a continuation
		}
		if !cont {
			start = i + 1
			cur.Reset()
		}
		body := strings.TrimRight(raw, " \t")
		if strings.HasSuffix(body, `\`) {
			cur.WriteString(strings.TrimSuffix(body, `\`))
			cont = true
			continue
		}
		cur.WriteString(body)
		cont = false
		s := strings.TrimSpace(cur.String())
		cmd, args := s, ""
		if j := strings.IndexAny(s, " \t"); j >= 0 {
			cmd, args = s[:j], s[j+1:]
		}
		instrs = append(instrs, dockerInstr{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
	}
	if cont {
		return nil, fmt.Errorf("line %d: the file ends inside a continuation", start)
	}
	df := &dockerfile{}
	for _, in := range instrs {
		if (in.cmd == "RUN" || in.cmd == "COPY" || in.cmd == "ADD") && heredocRE.MatchString(in.args) {
			return nil, fmt.Errorf("line %d: heredocs are not supported by this parser", in.line)
		}
		if in.cmd == "FROM" {
			_, words := splitFlags(strings.Fields(in.args))
			st := &dockerStage{line: in.line}
			switch {
			case len(words) == 1:
				st.image = words[0]
			case len(words) == 3 && strings.EqualFold(words[1], "AS"):
				st.image, st.name = words[0], words[2]
			default:
				return nil, fmt.Errorf("line %d: FROM %s: want FROM [--platform=...] IMAGE [AS NAME]", in.line, in.args)
			}
			df.stages = append(df.stages, st)
			continue
		}
		if len(df.stages) == 0 {
			if in.cmd != "ARG" {
				return nil, fmt.Errorf("line %d: %s before the first FROM", in.line, in.cmd)
			}
			df.global = append(df.global, in)
			continue
		}
		st := df.stages[len(df.stages)-1]
		st.instrs = append(st.instrs, in)
	}
	if len(df.stages) == 0 {
		return nil, errors.New("no FROM")
	}
	return df, nil
}

// splitFlags separates leading --flags (FROM --platform, COPY --from, RUN
// --mount, ...) from the words after them.
func splitFlags(words []string) (flags, rest []string) {
	for i, w := range words {
		if !strings.HasPrefix(w, "--") {
			return words[:i], words[i:]
		}
	}
	return words, nil
}

func (s *dockerStage) last(cmd string) *dockerInstr {
	for i := len(s.instrs) - 1; i >= 0; i-- {
		if s.instrs[i].cmd == cmd {
			return &s.instrs[i]
		}
	}
	return nil
}

func (s *dockerStage) execForm(t *testing.T, cmd string) []string {
	t.Helper()
	in := s.last(cmd)
	if in == nil {
		t.Errorf("the final stage has no %s", cmd)
		return nil
	}
	var v []string
	if err := json.Unmarshal([]byte(in.args), &v); err != nil {
		t.Errorf("line %d: %s is not in exec (JSON) form: %v", in.line, cmd, err)
	}
	return v
}

func (s *dockerStage) volumes() []string {
	var vols []string
	for _, in := range s.instrs {
		if in.cmd != "VOLUME" {
			continue
		}
		var v []string
		if json.Unmarshal([]byte(in.args), &v) != nil {
			v = strings.Fields(in.args)
		}
		vols = append(vols, v...)
	}
	return vols
}

type keyValue struct {
	key, value string
	set        bool // false for an ARG without a default
}

// keyValues reads ENV and ARG arguments: KEY=VALUE pairs (shell quoting),
// ENV's old "KEY VALUE" form, ARG's KEY without a default.
func keyValues(in dockerInstr) ([]keyValue, error) {
	words, err := shellWords(in.args)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("%s without arguments", in.cmd)
	}
	if in.cmd == "ENV" && !strings.Contains(words[0].text, "=") {
		k, v, _ := strings.Cut(in.args, " ")
		return []keyValue{{k, strings.TrimSpace(v), true}}, nil
	}
	var kv []keyValue
	for _, w := range words {
		if w.op {
			return nil, fmt.Errorf("unexpected %q", w.text)
		}
		k, v, ok := strings.Cut(w.text, "=")
		if !ok && in.cmd != "ARG" {
			return nil, fmt.Errorf("%q is not KEY=VALUE", w.text)
		}
		kv = append(kv, keyValue{k, v, ok})
	}
	return kv, nil
}

// goBuildSpec is the Dockerfile's "go build" command.
type goBuildSpec struct {
	stage    *dockerStage
	line     int
	env      []string // KEY=VALUE from the stage's ENV and ARG and the RUN line, in order
	args     []string // after "go build"
	outIndex int      // args[outIndex] is the -o path
}

func (s *goBuildSpec) getenv(key string) (string, bool) {
	for i := len(s.env) - 1; i >= 0; i-- {
		if k, v, _ := strings.Cut(s.env[i], "="); k == key {
			return v, true
		}
	}
	return "", false
}

// tags returns the build's -tags.
func (s *goBuildSpec) tags() []string {
	for i, a := range s.args {
		if v, ok := strings.CutPrefix(a, "-tags="); ok {
			return strings.Split(v, ",")
		}
		if a == "-tags" && i+1 < len(s.args) {
			return strings.Split(s.args[i+1], ",")
		}
	}
	return nil
}

// goBuild finds the one RUN line that runs "go build" and returns it with
// the environment it runs in. The build must write its binary with -o.
func (df *dockerfile) goBuild() (*goBuildSpec, error) {
	var found []*goBuildSpec
	for _, st := range df.stages {
		var env []string
		for _, in := range st.instrs {
			switch in.cmd {
			case "ENV", "ARG":
				kv, err := keyValues(in)
				if err != nil {
					return nil, fmt.Errorf("line %d: %v", in.line, err)
				}
				for _, p := range kv {
					if p.set {
						env = append(env, p.key+"="+p.value)
					}
				}
			case "RUN":
				cmds, err := runCommands(in.args)
				if err != nil {
					if strings.Contains(in.args, "go build") {
						return nil, fmt.Errorf("line %d: %v", in.line, err)
					}
					continue // a RUN the test need not understand
				}
				for _, c := range cmds {
					inline := []string{}
					for len(c) > 0 && assignRE.MatchString(c[0]) {
						inline, c = append(inline, c[0]), c[1:]
					}
					if len(c) < 2 || c[0] != "go" || c[1] != "build" {
						continue
					}
					spec := &goBuildSpec{stage: st, line: in.line, env: append(slices.Clone(env), inline...), outIndex: -1}
					for _, a := range c[2:] {
						if v, ok := strings.CutPrefix(a, "-o="); ok {
							spec.args = append(spec.args, "-o", v)
						} else {
							spec.args = append(spec.args, a)
						}
					}
					if i := slices.Index(spec.args, "-o"); i >= 0 && i+1 < len(spec.args) {
						spec.outIndex = i + 1
					}
					if spec.outIndex < 0 {
						return nil, fmt.Errorf("line %d: go build without -o OUTPUT", in.line)
					}
					found = append(found, spec)
				}
			}
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("want exactly one RUN ... go build line, found %d", len(found))
	}
	return found[0], nil
}

// runCommands splits a RUN instruction's command (shell or exec form, after
// its --mount and other flags) into simple commands at &&, || and ;.
func runCommands(args string) ([][]string, error) {
	var words []shellWord
	if strings.HasPrefix(strings.TrimSpace(args), "[") {
		var v []string
		if err := json.Unmarshal([]byte(args), &v); err != nil {
			return nil, err
		}
		for _, s := range v {
			words = append(words, shellWord{text: s})
		}
	} else {
		var err error
		if words, err = shellWords(args); err != nil {
			return nil, err
		}
	}
	for len(words) > 0 && !words[0].op && strings.HasPrefix(words[0].text, "--") {
		words = words[1:]
	}
	var cmds [][]string
	var cur []string
	for _, w := range words {
		if w.op {
			if w.text == "|" {
				return nil, errors.New("pipes are not supported here")
			}
			cmds, cur = append(cmds, cur), nil
			continue
		}
		cur = append(cur, w.text)
	}
	return append(cmds, cur), nil
}

type shellWord struct {
	text string
	op   bool // &&, ||, ; or |
}

// shellWords splits s as sh would, without expansions: quotes and
// backslashes are honoured, and a $ or backquote outside single quotes is
// an error (the test runs the build without a shell).
func shellWords(s string) ([]shellWord, error) {
	var words []shellWord
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, shellWord{text: cur.String()})
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			flush()
		case c == '&' && i+1 < len(s) && s[i+1] == '&', c == '|' && i+1 < len(s) && s[i+1] == '|':
			flush()
			words = append(words, shellWord{text: s[i : i+2], op: true})
			i++
		case c == ';' || c == '|':
			flush()
			words = append(words, shellWord{text: string(c), op: true})
		case c == '$' || c == '`' || c == '&' || c == '<' || c == '>' || c == '(' || c == ')':
			return nil, fmt.Errorf("%q: %q needs a shell; this parser does not expand or redirect", s, string(c))
		case c == '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("%q: unterminated quote", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(s) {
					return nil, fmt.Errorf("%q: unterminated quote", s)
				}
				if s[i] == '"' {
					break
				}
				if s[i] == '$' || s[i] == '`' {
					return nil, fmt.Errorf("%q: %q needs a shell; this parser does not expand", s, string(s[i]))
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words, nil
}

// healthcheckCommand returns the exec-form command of HEALTHCHECK [flags]
// CMD [...], or an error when it is in shell form.
func healthcheckCommand(args string) ([]string, error) {
	_, rest := splitFlags(strings.Fields(args))
	if len(rest) == 0 || !strings.EqualFold(rest[0], "CMD") {
		return nil, errors.New("want HEALTHCHECK [--interval=...] CMD [...]")
	}
	i := strings.Index(strings.ToUpper(args), "CMD")
	var v []string
	if err := json.Unmarshal([]byte(strings.TrimSpace(args[i+3:])), &v); err != nil {
		return nil, fmt.Errorf("HEALTHCHECK CMD is not in exec (JSON) form: distroless has no /bin/sh")
	}
	return v, nil
}

// ---- lint ----

var (
	secretKeyRE  = regexp.MustCompile(`(?i)password|passwd|secret|token|api_?key|private_?key|credential|access_?key`)
	assignRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	knownInstrs  = []string{"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
	remoteURLRE  = regexp.MustCompile(`^(https?|ftp)://|^git@|\.git(#.*)?$`)
	stageIndexRE = regexp.MustCompile(`^[0-9]+$`)
)

// lintDockerfile returns the problems of a Dockerfile by the rules the image
// keeps:
//   - every FROM image is pinned by a tag (not latest) or a digest;
//   - the final stage sets a USER that is not root (or uid 0);
//   - the final stage has a HEALTHCHECK, in exec form;
//   - ENTRYPOINT and CMD are in exec (JSON) form: no /bin/sh in distroless;
//   - no ADD of a remote URL (unverified downloads; use a pinned stage);
//   - COPY --from= names an earlier stage;
//   - no ENV or ARG whose name says it holds a secret: both stay in the
//     image's history;
//   - no unknown or deprecated (MAINTAINER) instruction.
func lintDockerfile(src string) []string {
	df, err := parseDockerfile(src)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	add := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
	}
	stages := map[string]bool{}
	for _, st := range df.stages {
		img := st.image
		switch {
		case stages[img] || img == "scratch":
		case strings.ContainsAny(img, "$"):
			add(st.line, "FROM %s: use a literal image tag, not a variable", img)
		case strings.Contains(img, "@sha256:"):
		default:
			_, tag, ok := strings.Cut(img[strings.LastIndex(img, "/")+1:], ":")
			if !ok || tag == "" || tag == "latest" {
				add(st.line, "FROM %s: image not pinned by a tag (or a digest), or tagged latest", img)
			}
		}
		for _, in := range st.instrs {
			if !slices.Contains(knownInstrs, in.cmd) {
				if in.cmd == "MAINTAINER" {
					add(in.line, "MAINTAINER is deprecated: use LABEL org.opencontainers.image.authors")
				} else {
					add(in.line, "unknown instruction %s", in.cmd)
				}
				continue
			}
			switch in.cmd {
			case "ENTRYPOINT", "CMD":
				var v []string
				if json.Unmarshal([]byte(in.args), &v) != nil || len(v) == 0 {
					add(in.line, "%s %s: use the exec (JSON) form, [\"...\"]: the image has no /bin/sh", in.cmd, in.args)
				}
			case "ADD":
				_, words := splitFlags(strings.Fields(in.args))
				for _, w := range words[:max(len(words)-1, 0)] {
					if remoteURLRE.MatchString(w) {
						add(in.line, "ADD of a remote URL %s: download in a build stage and check it", w)
					}
				}
			case "COPY":
				flags, _ := splitFlags(strings.Fields(in.args))
				for _, f := range flags {
					if from, ok := strings.CutPrefix(f, "--from="); ok && (!stages[from] || stageIndexRE.MatchString(from)) {
						add(in.line, "COPY --from=%s: not an earlier stage's name (name the stage with FROM ... AS NAME)", from)
					}
				}
			case "ENV", "ARG":
				kv, err := keyValues(in)
				if err != nil {
					add(in.line, "%s %s: %v", in.cmd, in.args, err)
				}
				for _, p := range kv {
					if secretKeyRE.MatchString(p.key) && !strings.HasSuffix(strings.ToUpper(p.key), "_FILE") {
						add(in.line, "%s %s looks like a secret: it would stay in the image's history (mount it at run time)", in.cmd, p.key)
					}
				}
			}
		}
		if st.name != "" {
			stages[st.name] = true
		}
	}
	final := df.stages[len(df.stages)-1]
	if u := final.last("USER"); u == nil {
		add(final.line, "the final stage has no USER: it runs as root")
	} else if user, _, _ := strings.Cut(u.args, ":"); user == "" || user == "root" || user == "0" {
		add(u.line, "USER %s: the image runs as root", u.args)
	}
	if hc := final.last("HEALTHCHECK"); hc == nil || strings.EqualFold(strings.TrimSpace(hc.args), "NONE") {
		add(final.line, "the final stage has no HEALTHCHECK")
	} else if _, err := healthcheckCommand(hc.args); err != nil {
		add(hc.line, "%v; use the exec (JSON) form", err)
	}
	if final.last("ENTRYPOINT") == nil && final.last("CMD") == nil {
		add(final.line, "the final stage has neither ENTRYPOINT nor CMD")
	}
	return problems
}

// ---- build context ----

// copyBuildContext copies the files of root that docker would send as the
// build context, by root/.dockerignore, to dst.
func copyBuildContext(root, dst string) error {
	var patterns []ignorePattern
	if src, err := os.ReadFile(filepath.Join(root, ".dockerignore")); err == nil {
		if patterns, err = parseDockerignore(string(src)); err != nil {
			return fmt.Errorf(".dockerignore: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	negations := slices.ContainsFunc(patterns, func(p ignorePattern) bool { return p.negate })
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile by someone editing the tree
			}
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if rel == "." {
			return os.MkdirAll(target, 0o755)
		}
		if ignored(patterns, filepath.ToSlash(rel)) {
			if d.IsDir() && !negations {
				return filepath.SkipDir
			}
			if !d.IsDir() {
				return nil
			}
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		}
		return nil
	})
}

type ignorePattern struct {
	re     *regexp.Regexp
	negate bool
}

// parseDockerignore reads .dockerignore patterns as docker does: one a
// line, # comments, ! to re-include, ** for any number of folders, a
// leading / ignored.
func parseDockerignore(src string) ([]ignorePattern, error) {
	var out []ignorePattern
	for _, line := range strings.Split(src, "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(path.Clean(strings.TrimSpace(strings.TrimPrefix(p, "!"))), "/")
		if p == "." || p == "" {
			continue
		}
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch c := p[i]; {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			case c == '[':
				j := strings.IndexByte(p[i:], ']')
				if j < 0 {
					return nil, fmt.Errorf("%q: unterminated [", line)
				}
				class := p[i+1 : i+j]
				if strings.HasPrefix(class, "!") {
					class = "^" + class[1:]
				}
				re.WriteString("[" + class + "]")
				i += j
			case c == '\\' && i+1 < len(p):
				i++
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("$")
		r, err := regexp.Compile(re.String())
		if err != nil {
			return nil, fmt.Errorf("%q: %v", line, err)
		}
		out = append(out, ignorePattern{re: r, negate: neg})
	}
	return out, nil
}

// ignored says whether rel (slash-separated) is left out of the context:
// the last pattern matching it, or one of its parent folders, decides.
func ignored(patterns []ignorePattern, rel string) bool {
	out := false
	for _, p := range patterns {
		match := p.re.MatchString(rel)
		for dir := path.Dir(rel); !match && dir != "."; dir = path.Dir(dir) {
			match = p.re.MatchString(dir)
		}
		if match {
			out = !p.negate
		}
	}
	return out
}
