package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"
)

// envString returns the environment variable or def.
func envString(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// envBool treats 1, true, yes and on as true.
func envBool(name string) bool {
	switch os.Getenv(name) {
	case "1", "true", "TRUE", "yes", "on":
		return true
	}
	return false
}

// envInt parses a positive integer, failing loudly on a typo instead of silently using def.
func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative integer", name, v)
	}
	return n, nil
}

// envDuration parses a Go duration; "0" is allowed and means "off" where documented.
func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	if v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a Go duration such as 1s or 500ms", name, v)
	}
	return d, nil
}

// secretFromEnv fills a flag that may carry a secret from its environment variable when the flag
// was not given. The variable is not the flag's default, which -h would print.
func secretFromEnv(fs *flag.FlagSet, name, env string, value *string) {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	if !given {
		if v := os.Getenv(env); v != "" {
			*value = v
		}
	}
}
