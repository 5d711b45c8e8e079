package main

func unrelated() int { return 42 }
