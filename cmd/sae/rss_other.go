//go:build !unix

package main

func peakRSSMiB() float64 { return 0 }
