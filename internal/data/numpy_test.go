package data

import (
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// numpyWriter writes files with NumPy's own writers; the test reads them.
const numpyWriter = `
import sys, numpy as np
d = sys.argv[1]
a = (np.arange(12).reshape(3, 4) * 0.5 - 1)
np.save(d + '/f4.npy', a.astype('<f4'))
np.save(d + '/f8_fortran.npy', np.asfortranarray(a))
np.save(d + '/f8_big.npy', a.astype('>f8'))
np.save(d + '/f2.npy', a.astype('<f2'))
np.save(d + '/i2.npy', (a * 2).astype('<i2'))
np.save(d + '/u1_stack.npy', np.arange(24, dtype='u1').reshape(2, 3, 4))
np.save(d + '/u1_stack_fortran.npy', np.asfortranarray(np.arange(24, dtype='u1').reshape(2, 3, 4)))
np.save(d + '/bool.npy', a > 0)
np.save(d + '/labels.npy', np.array([3, 1, 4, 1, 5], dtype='i8'))
np.save(d + '/labels_f.npy', np.array([[2.0], [7.0]]))
np.savez(d + '/stored.npz', X=a.astype('f4'), y=np.array([0, 1, 2]))
np.savez_compressed(d + '/deflated.npz', X=a, y=np.array([0, 1, 2], dtype='u1'))
np.savetxt(d + '/text.csv', a, delimiter=',', header='a,b,c,d', comments='')
`

// numpyReader checks a file this package wrote.
const numpyReader = `
import sys, numpy as np
m = np.load(sys.argv[1])
assert m.dtype == np.dtype('<f4') and m.shape == (3, 4) and m.flags.c_contiguous, (m.dtype, m.shape)
assert (m == (np.arange(12).reshape(3, 4) * 0.5 - 1)).all(), m
`

func TestNumPyInterop(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import numpy").Run(); err != nil {
		t.Skip("python3 with numpy is not available")
	}
	dir := t.TempDir()
	if out, err := exec.Command("/usr/bin/python3", "-c", numpyWriter, dir).CombinedOutput(); err != nil {
		t.Fatalf("numpy writer: %v\n%s", err, out)
	}
	want := make([]float32, 12)
	for i := range want {
		want[i] = float32(i)*0.5 - 1
	}
	load := func(name string, opt Options) *Matrix {
		t.Helper()
		m, err := Load(filepath.Join(dir, name), opt)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, name := range []string{"f4.npy", "f8_fortran.npy", "f8_big.npy", "f2.npy", "stored.npz", "deflated.npz", "text.csv"} {
		checkMatrixEq(t, load(name, Options{}), 3, 4, want)
	}
	ints := make([]float32, 12)
	bools := make([]float32, 12)
	for i, v := range want {
		ints[i] = float32(int16(v * 2))
		if v > 0 {
			bools[i] = 1
		}
	}
	checkMatrixEq(t, load("i2.npy", Options{}), 3, 4, ints)
	checkMatrixEq(t, load("bool.npy", Options{}), 3, 4, bools)
	stack := make([]float32, 24)
	for i := range stack {
		stack[i] = float32(i)
	}
	checkMatrixEq(t, load("u1_stack.npy", Options{}), 2, 12, stack)
	checkMatrixEq(t, load("u1_stack_fortran.npy", Options{}), 2, 12, stack)

	for name, wantY := range map[string][]int{
		"labels.npy": {3, 1, 4, 1, 5}, "labels_f.npy": {2, 7}, "stored.npz": {0, 1, 2}, "deflated.npz": {0, 1, 2},
	} {
		y, err := LoadLabels(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(y, wantY) {
			t.Errorf("%s: labels %v, want %v", name, y, wantY)
		}
	}

	// NumPy reads what WriteNPY writes.
	path := filepath.Join(dir, "ours.npy")
	if err := WriteNPY(path, &Matrix{Rows: 3, Cols: 4, Data: want}); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("/usr/bin/python3", "-c", numpyReader, path).CombinedOutput(); err != nil {
		t.Fatalf("numpy cannot read WriteNPY's file: %v\n%s", err, out)
	}
}
