//go:build !linux

package main

import "syscall"

// childProcAttr has no parent-death signal outside Linux; the benchmark reads /proc and is meant
// for Linux, this file only keeps the package building elsewhere.
func childProcAttr() *syscall.SysProcAttr { return nil }
