package main

import (
	"flag"
	"os"
)

// envString returns the environment variable or def.
func envString(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
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
