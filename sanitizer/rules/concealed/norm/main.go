// Command norm prints each line of its input as the sanitizer normalises
// it (textnorm), for gen.py, which writes the patterns of the concealed-act
// rules from the lexicons in their natural spelling.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/textnorm"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(nil, 1<<20)
	var n textnorm.Text
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		n.Normalize(sc.Text(), false)
		fmt.Fprintln(w, strings.TrimPrefix(string(n.Text), "\n"))
	}
}
