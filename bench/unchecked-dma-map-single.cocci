// The minimal rule that bench/run.js gives spatch for the speed comparison
// with dma-check: a dma_map_single() whose result reaches the end of the
// function on some path without a dma_mapping_error() test of that result.
// It prints one line per match: FILE:LINE: unchecked dma_map_single
//
//   spatch --sp-file bench/unchecked-dma-map-single.cocci --no-includes \
//          --very-quiet --jobs 2 --file-groups LIST

@r exists@
expression E;
position p;
@@

E@p = dma_map_single(...);
... when != dma_mapping_error(..., E)

@script:ocaml@
p << r.p;
@@

let p0 = List.hd p in
Printf.printf "%s:%d: unchecked dma_map_single\n%!" p0.Coccilib.file p0.Coccilib.line
