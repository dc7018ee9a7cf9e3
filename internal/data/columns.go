package data

// Which columns of a table (Parquet, Arrow) make the matrix: one list
// column of numbers, or numeric columns, as Options.Key names them or as
// the table's columns leave no doubt.

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of table columns.
const (
	colOther  = iota // text, nested, or anything else that is not numbers
	colList          // a list of numbers per row
	colNumber        // one number per row
)

type tableColumn struct {
	name string
	kind int
}

// chooseColumns returns the table columns of the matrix, by index: a list
// column alone, or numeric columns in the order of key (or of the table).
// key is a column name or comma-separated names of numeric columns; when
// empty, the only list column is chosen, or else every numeric column but
// idColumn. idColumn must exist when given.
func chooseColumns(cols []tableColumn, key, idColumn string) ([]int, error) {
	find := func(name string) int {
		for i, c := range cols {
			if c.name == name {
				return i
			}
		}
		return -1
	}
	if idColumn != "" && find(idColumn) < 0 {
		return nil, fmt.Errorf("no column %q (columns: %s)", idColumn, columnNames(cols))
	}
	if key != "" {
		var out []int
		for _, name := range strings.Split(key, ",") {
			i := find(name)
			switch {
			case i < 0:
				return nil, fmt.Errorf("no column %q (columns: %s)", name, columnNames(cols))
			case cols[i].kind == colList && !strings.Contains(key, ","):
				return []int{i}, nil
			case cols[i].kind != colNumber:
				return nil, fmt.Errorf("column %q holds neither numbers nor lists of numbers", name)
			}
			out = append(out, i)
		}
		return out, nil
	}
	var lists, numbers []int
	for i, c := range cols {
		switch {
		case c.kind == colList:
			lists = append(lists, i)
		case c.kind == colNumber && c.name != idColumn:
			numbers = append(numbers, i)
		}
	}
	switch {
	case len(lists) == 1:
		return lists, nil
	case len(lists) > 1:
		names := make([]string, len(lists))
		for k, i := range lists {
			names[k] = cols[i].name
		}
		return nil, fmt.Errorf("%d list columns (%s): name the one to read as the column", len(lists), strings.Join(quoteAll(names), ", "))
	case len(numbers) == 0:
		return nil, errors.New("no column of numbers or of lists of numbers (columns: " + columnNames(cols) + ")")
	}
	return numbers, nil
}

func columnNames(cols []tableColumn) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return nameList(names)
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}
