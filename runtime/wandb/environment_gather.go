package wandb

// Gathering the environment of the running program, for the run's
// EnvironmentRecord (environment.go) and its "wbinstrument" config entry.
// It runs once, on the writer goroutine, off the caller's path. Each fact
// is best effort: whatever cannot be read (no build info, no git
// checkout, no /proc) is left out, and a panic loses the record, never
// the run.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// runEnvironment is what gathering finds: the record, and the Go facts
// W&B's record has no field for, which go into the run config.
type runEnvironment struct {
	record *wandbfile.EnvironmentRecord
	config map[string]interface{} // the config's "wbinstrument" entry; nil for none
}

// gatherEnvironment is the default environment hook.
func gatherEnvironment(r *Run) (env *runEnvironment) {
	defer func() {
		if p := recover(); p != nil {
			r.con.debugf("environment not recorded: %v", p)
			env = nil
		}
	}()
	host, _ := r.h.hostname()
	e := &wandbfile.EnvironmentRecord{
		OS:              platformName(),
		StartedAt:       r.start,
		Host:            host,
		Username:        userName(r.h.getenv),
		CPUCount:        physicalCores(),
		CPUCountLogical: uint32(runtime.NumCPU()),
		MemoryTotal:     memoryTotal(),
		WriterID:        randomID(32),
	}
	if len(os.Args) > 1 {
		e.Args = redactArgs(os.Args[1:], r.opts.APIKey, r.h.getenv("OPENAI_API_KEY"))
	}
	if exe, err := os.Executable(); err == nil {
		e.Executable = exe
	}
	if wd, err := os.Getwd(); err == nil {
		e.Root = wd
	}
	goInfo := map[string]interface{}{"version": Version, "go_version": runtime.Version()}
	var modified bool
	if info, ok := debug.ReadBuildInfo(); ok {
		// The main package's import path is what a Go user runs ("go run
		// example.com/app/cmd/bot"); its place in the module is the
		// closest thing to W&B's code path in the repository.
		if info.Path != "command-line-arguments" { // `go run file.go` names no package
			e.Program = info.Path
		}
		if info.Main.Path != "" && strings.HasPrefix(info.Path, info.Main.Path+"/") {
			e.CodePath = strings.TrimPrefix(info.Path, info.Main.Path+"/")
		}
		if info.Main.Path != "" {
			goInfo["main_module"] = info.Main.Path
			goInfo["main_version"] = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				e.GitCommit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
				goInfo["vcs_modified"] = modified
			case "vcs.time":
				goInfo["vcs_time"] = s.Value
			}
		}
		mods := map[string]interface{}{}
		for _, want := range r.opts.Modules {
			for _, d := range info.Deps {
				if d.Path == want {
					v := d.Version
					if d.Replace != nil && d.Replace.Version != "" {
						v = d.Replace.Version
					}
					mods[want] = v
				}
			}
		}
		if len(mods) > 0 {
			goInfo["modules"] = mods
		}
	}
	if e.Program == "" && len(os.Args) > 0 {
		e.Program = filepath.Base(os.Args[0])
	}
	if e.Root != "" {
		e.GitRemote = gitRemote(e.Root, e.GitCommit)
	}
	return &runEnvironment{record: e, config: goInfo}
}

// platformName is W&B's "os" in the style of Python's platform.platform()
// ("Linux-6.1.0-18-amd64-x86_64"): system, release when readable, machine.
func platformName() string {
	system := runtime.GOOS
	switch system {
	case "linux":
		system = "Linux"
	case "darwin":
		system = "macOS"
	case "windows":
		system = "Windows"
	case "freebsd":
		system = "FreeBSD"
	}
	machine := runtime.GOARCH
	switch machine {
	case "amd64":
		machine = "x86_64"
	case "386":
		machine = "i686"
	case "arm64":
		if runtime.GOOS == "linux" {
			machine = "aarch64"
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		if rel := strings.TrimSpace(string(b)); rel != "" {
			return system + "-" + rel + "-" + machine
		}
	}
	return system + "-" + machine
}

// userName follows Python's getpass.getuser(), which W&B's client uses:
// LOGNAME, USER, LNAME, USERNAME, then the account database. Only
// /etc/passwd is read for the latter: os/user may ask NSS (LDAP and the
// like), which can take seconds, and the writer goroutine waits for this.
func userName(getenv func(string) string) string {
	for _, k := range []string{"LOGNAME", "USER", "LNAME", "USERNAME"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return ""
	}
	uid := strconv.Itoa(os.Getuid())
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 2 && f[2] == uid {
			return f[0]
		}
	}
	return ""
}

// physicalCores counts distinct (physical id, core id) pairs in
// /proc/cpuinfo; 0 (left out) where there is none.
func physicalCores() uint32 {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	cores := map[string]bool{}
	phys := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := cutColon(sc.Text())
		if !ok {
			continue
		}
		switch k {
		case "physical id":
			phys = v
		case "core id":
			cores[phys+"/"+v] = true
		}
	}
	return uint32(len(cores))
}

// memoryTotal reads MemTotal from /proc/meminfo, in bytes; 0 if unknown.
func memoryTotal() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := cutColon(line)
		if !ok || k != "MemTotal" {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			return 0
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		return n
	}
	return 0
}

func cutColon(line string) (key, value string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i < 0 {
		return "", "", false
	}
	return strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:]), true
}

// gitRemote returns the origin URL of the git checkout holding dir, with
// any credentials removed, when that checkout is at commit (the binary's
// build commit, when it has one): a binary run from some other checkout
// says nothing about its own repository.
func gitRemote(dir, commit string) string {
	gitDir := ""
	for d := dir; ; {
		p := filepath.Join(d, ".git")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			gitDir = p
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
	if commit != "" && gitHead(gitDir) != commit {
		return ""
	}
	cfg, err := os.ReadFile(filepath.Join(gitDir, "config"))
	if err != nil {
		return ""
	}
	section := ""
	for _, line := range strings.Split(string(cfg), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.ReplaceAll(strings.Trim(line, "[]"), " ", "")
			continue
		}
		if section != `remote"origin"` {
			continue
		}
		if k, v, ok := cutEq(line); ok && k == "url" {
			return stripCredentials(v)
		}
	}
	return ""
}

// gitHead resolves HEAD of a .git directory to a commit hash, through a
// loose ref or packed-refs; "" when it cannot.
func gitHead(gitDir string) string {
	b, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return ""
	}
	head := strings.TrimSpace(string(b))
	ref := strings.TrimPrefix(head, "ref: ")
	if ref == head {
		return head // detached
	}
	if b, err := os.ReadFile(filepath.Join(gitDir, filepath.FromSlash(ref))); err == nil {
		return strings.TrimSpace(string(b))
	}
	packed, err := os.ReadFile(filepath.Join(gitDir, "packed-refs"))
	if err != nil {
		return ""
	}
	for _, line := range bytes.Split(packed, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) == 2 && f[1] == ref {
			return f[0]
		}
	}
	return ""
}

func cutEq(line string) (key, value string, ok bool) {
	i := strings.IndexByte(line, '=')
	if i < 0 {
		return "", "", false
	}
	return strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:]), true
}

// stripCredentials removes a user and password from a remote URL
// ("https://user:token@host/repo" becomes "https://host/repo"); scp-like
// remotes ("git@host:repo") name no secret and stay.
func stripCredentials(remote string) string {
	u, err := url.Parse(remote)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if strings.Contains(remote, "://") {
			return "" // a URL we cannot parse may hide a credential
		}
		return remote
	}
	u.User = nil
	return u.String()
}

// secretFlag reports whether a flag name says its value is a secret.
func secretFlag(name string) bool {
	name = strings.ToLower(strings.TrimLeft(name, "-"))
	for _, s := range []string{"key", "token", "secret", "password", "passwd", "auth", "credential"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// redactArgs masks what may be a secret in the program's arguments, which
// W&B shows on the run page: the values of flags named like secrets
// ("--api-key X", "-token=X"), the given keys (W&B's, OpenAI's), and
// OpenAI-style keys.
func redactArgs(args []string, keys ...string) []string {
	const mask = "***"
	out := make([]string, len(args))
	skip := false
	for i, a := range args {
		if skip {
			out[i], skip = mask, false
			continue
		}
		out[i] = a
		switch {
		case containsAny(a, keys), looksLikeKey(a):
			out[i] = mask
		case strings.HasPrefix(a, "-"):
			name, _, hasValue := strings.Cut(a, "=")
			if !secretFlag(name) {
				continue
			}
			if hasValue {
				out[i] = name + "=" + mask
			} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				skip = true
			}
		}
	}
	return out
}

func containsAny(s string, keys []string) bool {
	for _, k := range keys {
		if len(k) >= 8 && strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// looksLikeKey spots OpenAI-style secret keys ("sk-...") inside an
// argument.
func looksLikeKey(a string) bool {
	for _, f := range strings.FieldsFunc(a, func(r rune) bool { return r == '=' || r == ':' || r == ' ' || r == ',' }) {
		if strings.HasPrefix(f, "sk-") && len(f) >= 20 {
			return true
		}
	}
	return false
}

// randomID returns n characters of [a-z0-9], like W&B's writer ids.
func randomID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return ""
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
