// Command healthcheck is the healthcheck of the example images, which are
// distroless (no shell, no curl): it exits 0 when a service answers.
//
//	healthcheck http://127.0.0.1:8443/health   # any status below 500
//	healthcheck tcp 127.0.0.1:8080             # the port accepts a connection
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "tcp":
		c, err := net.DialTimeout("tcp", args[1], 3*time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	case len(args) == 1:
		// A health probe never goes through a proxy from the environment.
		client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{Proxy: nil}}
		resp, err := client.Get(args[0])
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return fmt.Errorf("%s: %s", args[0], resp.Status)
		}
		return nil
	}
	return fmt.Errorf("usage: healthcheck URL | healthcheck tcp HOST:PORT")
}
