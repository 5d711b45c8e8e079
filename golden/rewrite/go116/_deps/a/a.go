// Package a needs b, a module the main module does not list.
package a

import "example.com/b"

// Model names the model to use.
func Model() string { return b.Model }
