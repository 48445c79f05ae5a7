package main

import "syscall"

// childProcAttr makes the kernel kill a child when this process dies, so an interrupted
// benchmark never leaves a gateway or a baseline running.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
