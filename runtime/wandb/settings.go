package wandb

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Modes a run can be in after settings are resolved.
const (
	modeOffline  = "offline"
	modeOnline   = "online"
	modeDisabled = "disabled"
)

const (
	defaultBaseURL       = "https://api.wandb.ai"
	defaultFinishTimeout = 30 * time.Second
)

// resolveOptions fills the empty fields of opts from the WANDB_*
// environment (explicit options win) and normalises Mode. Bad environment
// values do not stop the program: they fall back to defaults and come back
// as warnings. A bad explicit option is an error.
func resolveOptions(opts Options, getenv func(string) string) (Options, []string, error) {
	var warnings []string
	str := func(v *string, name string) {
		if *v == "" {
			*v = strings.TrimSpace(getenv(name))
		}
	}
	str(&opts.Project, "WANDB_PROJECT")
	str(&opts.Entity, "WANDB_ENTITY")
	str(&opts.Name, "WANDB_NAME")
	str(&opts.Notes, "WANDB_NOTES")
	str(&opts.Group, "WANDB_RUN_GROUP")
	str(&opts.JobType, "WANDB_JOB_TYPE")
	str(&opts.Dir, "WANDB_DIR")
	str(&opts.RunID, "WANDB_RUN_ID")
	str(&opts.APIKey, "WANDB_API_KEY")
	str(&opts.BaseURL, "WANDB_BASE_URL")
	if opts.BaseURL == "" {
		opts.BaseURL = defaultBaseURL
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	if opts.Tags == nil {
		for _, t := range strings.Split(getenv("WANDB_TAGS"), ",") {
			if t = strings.TrimSpace(t); t != "" {
				opts.Tags = append(opts.Tags, t)
			}
		}
	}
	if !opts.Silent {
		opts.Silent = truthy(getenv("WANDB_SILENT"))
	}

	if opts.FinishTimeout == 0 {
		opts.FinishTimeout = defaultFinishTimeout
		if v := strings.TrimSpace(getenv("WANDB_FINISH_TIMEOUT")); v != "" {
			d, err := parseSeconds(v)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("WANDB_FINISH_TIMEOUT=%q is not a duration (e.g. 30s or 30); using %s", v, defaultFinishTimeout))
			} else {
				opts.FinishTimeout = d
			}
		}
	}
	if opts.FinishTimeout < 0 {
		return opts, warnings, fmt.Errorf("wandb: negative FinishTimeout %s", opts.FinishTimeout)
	}

	explicitMode := opts.Mode != ""
	if !explicitMode {
		opts.Mode = strings.TrimSpace(getenv("WANDB_MODE"))
		if opts.Mode == "" && truthy(getenv("WANDB_DISABLED")) {
			opts.Mode = modeDisabled
		}
	}
	mode, ok := normalizeMode(opts.Mode, opts.APIKey)
	if !ok {
		if explicitMode {
			return opts, warnings, fmt.Errorf("wandb: unknown mode %q (want online, offline or disabled)", opts.Mode)
		}
		warnings = append(warnings, fmt.Sprintf("WANDB_MODE=%q is not online, offline or disabled; using offline", opts.Mode))
		mode = modeOffline
	}
	opts.Mode = mode

	if opts.RunID != "" && !validRunID(opts.RunID) {
		return opts, warnings, fmt.Errorf("wandb: run id %q: use letters, digits, '-' and '_' only", opts.RunID)
	}
	return opts, warnings, nil
}

// normalizeMode maps W&B's mode spellings onto offline, online and
// disabled. Without a mode, a run goes online exactly when it has a key.
func normalizeMode(mode, apiKey string) (string, bool) {
	switch strings.ToLower(mode) {
	case "":
		if apiKey != "" {
			return modeOnline, true
		}
		return modeOffline, true
	case "offline", "dryrun":
		return modeOffline, true
	case "online", "run":
		return modeOnline, true
	case "disabled":
		return modeDisabled, true
	}
	return "", false
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// parseSeconds accepts a Go duration ("90s", "2m") or a plain number of
// seconds, the way W&B's numeric timeout variables are written.
func parseSeconds(v string) (time.Duration, error) {
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad duration %q", v)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// validRunID keeps run ids usable as path elements and URL segments.
func validRunID(id string) bool {
	if len(id) > 128 {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
