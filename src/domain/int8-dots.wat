;; Code sums of four quantised queries against int8 rows, with WebAssembly SIMD (src/domain/int8-kernel.ts).
;; Assembled into int8-dots.wasm by `npm run build:wasm` (wabt); test/node/int8-kernel-wasm.test.ts checks the two agree.
;;
;; dots4(q, rows, n, chunks, out): for each of n rows (row r at rows + r * chunks * 16: chunks * 16 int8 codes) and each
;; query k (query k at q + k * chunks * 32: chunks * 16 int16 codes), out[r * 4 + k] (i32) = sum over d of row[d] * query_k[d].
;; The int8 codes are widened to int16 and multiplied pairwise into int32 lanes (i32x4.dot_i16x8_s), so every product
;; and partial sum is exact while the caller keeps |sum| < 2^31 (as quantiseQuery does).
(module
  (memory (export "memory") 1)
  (func (export "dots4") (param $q i32) (param $rows i32) (param $n i32) (param $chunks i32) (param $out i32)
    (local $r i32) (local $c i32) (local $row i32) (local $qc i32) (local $qstride i32)
    (local $v v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $qstride (i32.mul (local.get $chunks) (i32.const 32)))
    (local.set $row (local.get $rows))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (local.set $qc (local.get $q))
        (block $chunks_done
          (loop $each_chunk
            (br_if $chunks_done (i32.ge_u (local.get $c) (local.get $chunks)))
            (local.set $v (v128.load (local.get $row)))
            (local.set $lo (i16x8.extend_low_i8x16_s (local.get $v)))
            (local.set $hi (i16x8.extend_high_i8x16_s (local.get $v)))
            (local.set $a0 (i32x4.add (local.get $a0) (i32x4.add
              (i32x4.dot_i16x8_s (local.get $lo) (v128.load (local.get $qc)))
              (i32x4.dot_i16x8_s (local.get $hi) (v128.load offset=16 (local.get $qc))))))
            (local.set $a1 (i32x4.add (local.get $a1) (i32x4.add
              (i32x4.dot_i16x8_s (local.get $lo) (v128.load (i32.add (local.get $qc) (local.get $qstride))))
              (i32x4.dot_i16x8_s (local.get $hi) (v128.load offset=16 (i32.add (local.get $qc) (local.get $qstride)))))))
            (local.set $a2 (i32x4.add (local.get $a2) (i32x4.add
              (i32x4.dot_i16x8_s (local.get $lo) (v128.load (i32.add (local.get $qc) (i32.shl (local.get $qstride) (i32.const 1)))))
              (i32x4.dot_i16x8_s (local.get $hi) (v128.load offset=16 (i32.add (local.get $qc) (i32.shl (local.get $qstride) (i32.const 1))))))))
            (local.set $a3 (i32x4.add (local.get $a3) (i32x4.add
              (i32x4.dot_i16x8_s (local.get $lo) (v128.load (i32.add (local.get $qc) (i32.mul (local.get $qstride) (i32.const 3)))))
              (i32x4.dot_i16x8_s (local.get $hi) (v128.load offset=16 (i32.add (local.get $qc) (i32.mul (local.get $qstride) (i32.const 3))))))))
            (local.set $row (i32.add (local.get $row) (i32.const 16)))
            (local.set $qc (i32.add (local.get $qc) (i32.const 32)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $each_chunk)))
        ;; Horizontal sums of the four accumulators into out[r * 4 .. r * 4 + 3].
        (i32.store (local.get $out) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a0)) (i32x4.extract_lane 1 (local.get $a0)))
                                             (i32.add (i32x4.extract_lane 2 (local.get $a0)) (i32x4.extract_lane 3 (local.get $a0)))))
        (i32.store offset=4 (local.get $out) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a1)) (i32x4.extract_lane 1 (local.get $a1)))
                                                      (i32.add (i32x4.extract_lane 2 (local.get $a1)) (i32x4.extract_lane 3 (local.get $a1)))))
        (i32.store offset=8 (local.get $out) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a2)) (i32x4.extract_lane 1 (local.get $a2)))
                                                      (i32.add (i32x4.extract_lane 2 (local.get $a2)) (i32x4.extract_lane 3 (local.get $a2)))))
        (i32.store offset=12 (local.get $out) (i32.add (i32.add (i32x4.extract_lane 0 (local.get $a3)) (i32x4.extract_lane 1 (local.get $a3)))
                                                       (i32.add (i32x4.extract_lane 2 (local.get $a3)) (i32x4.extract_lane 3 (local.get $a3)))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $each_row)))))
