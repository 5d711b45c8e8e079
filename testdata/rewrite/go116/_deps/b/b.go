// Package b is reached only through a.
package b

// Model is the default model.
const Model = "gpt-4o-mini"
