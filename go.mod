module github.com/sae-go/sae

go 1.26.8

require (
	codeberg.org/go-fonts/liberation v0.5.0
	golang.org/x/image v0.30.0
	golang.org/x/sys v0.49.0
	golang.org/x/term v0.47.0
)

require golang.org/x/text v0.28.0 // indirect
