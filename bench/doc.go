// Package bench holds wbinstrument's benchmarks. Each one measures its
// baseline in the same run and reports the ratio against it, because the
// machine (2 shared cores in CI) moves absolute figures far more than it
// moves ratios.
//
// Run them all with bench/run.sh (under 10 minutes on 2 cores); the figures
// are recorded in the README's Performance section.
package bench
