;; The resampler's inner loops in WebAssembly SIMD (`npm run build:wasm` assembles this file into
;; resampler-kernels.wasm.ts). Four float32 lanes per instruction are what make the 65 dB filter
;; cheap: plain JavaScript does one multiply-add at a time, and its best loop for 8 to 16 kHz
;; (symmetric phases, four outputs per pass) still took 8 us per 20 ms frame on Node 20.
;;
;; The kernels read a float32 window `input` (the filter's history, then the new block) and write
;; 16-bit outputs, rounded to nearest (ties to even) and saturated. Coefficients come phase after
;; phase, each phase reversed so that a window is walked forwards (interpolate2 has its own layout).
;; Every output is computed by the same sequence of operations wherever it falls in a block, so
;; blocks of any size join exactly. Coefficients are broadcast with f32x4.splat of an f32.load:
;; v128.load32_splat, one instruction, made interpolate2 15% slower on Deno 2 (5% faster on Node 20).
(module
  (memory (export "memory") 1)

  ;; Interpolation by 2 (up = 2, down = 1), the 8 to 16 kHz of every narrowband call. Both phases
  ;; are symmetric (the filter is centred on an input sample), so each coefficient multiplies the
  ;; sum of the two samples it sees: with half = (taps - 1) / 2, even output 2i is
  ;;   sum over t <= half of c0[t] * (x[i+t] + x[i+2*half-t])   (c0[half] halved: it sees x[i+half] twice)
  ;; and odd output 2i+1 is
  ;;   sum over t <= half of c1[t] * (x[i+t] + x[i+2*half+1-t])  (c1[0] = 0: phase 1 has 2*half taps)
  ;; so each step's upper sample for the odd output is the previous step's for the even one.
  ;; `coefficients` holds c0[t], c1[t] pairs for t = 0 .. half. Vectorised across outputs, eight
  ;; inputs at a time; the even and odd outputs are interleaved by two shuffles. Reads up to 8
  ;; samples past input[count+2*half-1] and writes up to 7 inputs' outputs past count*2.
  (func (export "interpolate2")
    (param $coefficients i32) (param $half i32) (param $input i32) (param $output i32) (param $count i32)
    (local $i i32) (local $low i32) (local $high i32) (local $c i32) (local $end i32)
    (local $k v128) (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local $l0 v128) (local $l1 v128) (local $h0 v128) (local $h1 v128) (local $p0 v128) (local $p1 v128)
    (local.set $end (i32.add (local.get $coefficients) (i32.shl (i32.add (local.get $half) (i32.const 1)) (i32.const 3))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $low (i32.add (local.get $input) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $high (i32.add (local.get $low) (i32.shl (local.get $half) (i32.const 3))))
        (local.set $p0 (v128.load offset=4 (local.get $high)))
        (local.set $p1 (v128.load offset=20 (local.get $high)))
        (local.set $c (local.get $coefficients))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $b0 (v128.const i32x4 0 0 0 0))
        (local.set $b1 (v128.const i32x4 0 0 0 0))
        (loop $taps
          (local.set $l0 (v128.load (local.get $low)))
          (local.set $l1 (v128.load offset=16 (local.get $low)))
          (local.set $h0 (v128.load (local.get $high)))
          (local.set $h1 (v128.load offset=16 (local.get $high)))
          (local.set $k (f32x4.splat (f32.load (local.get $c))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $k) (f32x4.add (local.get $l0) (local.get $h0)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $k) (f32x4.add (local.get $l1) (local.get $h1)))))
          (local.set $k (f32x4.splat (f32.load offset=4 (local.get $c))))
          (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $k) (f32x4.add (local.get $l0) (local.get $p0)))))
          (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $k) (f32x4.add (local.get $l1) (local.get $p1)))))
          (local.set $p0 (local.get $h0))
          (local.set $p1 (local.get $h1))
          (local.set $low (i32.add (local.get $low) (i32.const 4)))
          (local.set $high (i32.sub (local.get $high) (i32.const 4)))
          (local.set $c (i32.add (local.get $c) (i32.const 8)))
          (br_if $taps (i32.lt_u (local.get $c) (local.get $end))))
        ;; Round, saturate to 16 bits, interleave even and odd outputs, store 16 of them.
        (local.set $a0 (i16x8.narrow_i32x4_s
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a0)))
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a1)))))
        (local.set $b0 (i16x8.narrow_i32x4_s
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $b0)))
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $b1)))))
        (v128.store (local.get $output)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a0) (local.get $b0)))
        (v128.store offset=16 (local.get $output)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a0) (local.get $b0)))
        (local.set $output (i32.add (local.get $output) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $blocks))))

  ;; Pure interpolation (down = 1) by any factor: input sample i gives outputs i*up .. i*up+up-1, output i*up+p
  ;; being phase p's `taps` coefficients against input[i .. i+taps). Vectorised across outputs:
  ;; 16 consecutive inputs of one phase at a time, four accumulators of four lanes, each coefficient
  ;; broadcast once for all 16. Reads up to 15 samples past input[count+taps-2] and writes up to 15
  ;; inputs' outputs past count*up: the caller provides that slack.
  (func (export "interpolate")
    (param $coefficients i32) (param $taps i32) (param $up i32)
    (param $input i32) (param $output i32) (param $count i32)
    (local $phase i32) (local $i i32) (local $phaseStart i32) (local $c i32) (local $phaseEnd i32)
    (local $x i32) (local $o i32) (local $outputStep i32)
    (local $k v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $outputStep (i32.shl (local.get $up) (i32.const 1)))
    (loop $phases
      (local.set $phaseStart (i32.add (local.get $coefficients) (i32.shl (i32.mul (local.get $phase) (local.get $taps)) (i32.const 2))))
      (local.set $phaseEnd (i32.add (local.get $phaseStart) (i32.shl (local.get $taps) (i32.const 2))))
      (local.set $o (i32.add (local.get $output) (i32.shl (local.get $phase) (i32.const 1))))
      (local.set $i (i32.const 0))
      (block $phaseDone
        (loop $blocks
          (br_if $phaseDone (i32.ge_u (local.get $i) (local.get $count)))
          (local.set $x (i32.add (local.get $input) (i32.shl (local.get $i) (i32.const 2))))
          (local.set $c (local.get $phaseStart))
          (local.set $a0 (v128.const i32x4 0 0 0 0))
          (local.set $a1 (v128.const i32x4 0 0 0 0))
          (local.set $a2 (v128.const i32x4 0 0 0 0))
          (local.set $a3 (v128.const i32x4 0 0 0 0))
          (loop $taps
            (local.set $k (f32x4.splat (f32.load (local.get $c))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $k) (v128.load (local.get $x)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $k) (v128.load offset=16 (local.get $x)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $k) (v128.load offset=32 (local.get $x)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $k) (v128.load offset=48 (local.get $x)))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (br_if $taps (i32.lt_u (local.get $c) (local.get $phaseEnd))))
          ;; Round, saturate to 16 bits, and store the 16 outputs `up` apart.
          (local.set $a0 (i16x8.narrow_i32x4_s
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a0)))
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a1)))))
          (local.set $a2 (i16x8.narrow_i32x4_s
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a2)))
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a3)))))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 0 (local.get $a0)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 1 (local.get $a0)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 2 (local.get $a0)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 3 (local.get $a0)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 4 (local.get $a0)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 5 (local.get $a0)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 6 (local.get $a0)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 7 (local.get $a0)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 0 (local.get $a2)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 1 (local.get $a2)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 2 (local.get $a2)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 3 (local.get $a2)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 4 (local.get $a2)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 5 (local.get $a2)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 6 (local.get $a2)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (i32.store16 (local.get $o) (i16x8.extract_lane_s 7 (local.get $a2)))
          (local.set $o (i32.add (local.get $o) (local.get $outputStep)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $blocks)))
      (local.set $phase (i32.add (local.get $phase) (i32.const 1)))
      (br_if $phases (i32.lt_u (local.get $phase) (local.get $up)))))

  ;; Any ratio up/down: `count` outputs, the first applying phase `phase` to input[index ..], each
  ;; next one `down` phases on. Vectorised across taps: each phase holds `stride` bytes, its taps
  ;; zero-padded to a multiple of 16, so the window reads 16 floats at a time into four
  ;; accumulators (independent, so the additions overlap) summed at the end. The padding multiplies
  ;; up to 15 samples past the window, which the caller keeps finite.
  (func (export "polyphase")
    (param $coefficients i32) (param $stride i32) (param $up i32) (param $down i32)
    (param $input i32) (param $index i32) (param $phase i32) (param $output i32) (param $count i32)
    (local $indexStep i32) (local $phaseStep i32) (local $c i32) (local $phaseEnd i32) (local $x i32)
    (local $outputEnd i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $indexStep (i32.div_u (local.get $down) (local.get $up)))
    (local.set $phaseStep (i32.rem_u (local.get $down) (local.get $up)))
    (local.set $outputEnd (i32.add (local.get $output) (i32.shl (local.get $count) (i32.const 1))))
    (block $done
      (br_if $done (i32.ge_u (local.get $output) (local.get $outputEnd)))
      (loop $outputs
        (local.set $c (i32.add (local.get $coefficients) (i32.mul (local.get $phase) (local.get $stride))))
        (local.set $phaseEnd (i32.add (local.get $c) (local.get $stride)))
        (local.set $x (i32.add (local.get $input) (i32.shl (local.get $index) (i32.const 2))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (loop $taps
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $c)) (v128.load (local.get $x)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $c)) (v128.load offset=16 (local.get $x)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $c)) (v128.load offset=32 (local.get $x)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $c)) (v128.load offset=48 (local.get $x)))))
          (local.set $c (i32.add (local.get $c) (i32.const 64)))
          (local.set $x (i32.add (local.get $x) (i32.const 64)))
          (br_if $taps (i32.lt_u (local.get $c) (local.get $phaseEnd))))
        ;; Sum the 16 partial sums: the accumulators, then the lanes.
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (local.set $a0 (f32x4.add (local.get $a0)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a0) (local.get $a0))))
        (local.set $a0 (f32x4.add (local.get $a0)
          (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $a0) (local.get $a0))))
        (local.set $a0 (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a0))))
        (i32.store16 (local.get $output) (i16x8.extract_lane_s 0 (i16x8.narrow_i32x4_s (local.get $a0) (local.get $a0))))
        (local.set $output (i32.add (local.get $output) (i32.const 2)))
        (local.set $index (i32.add (local.get $index) (local.get $indexStep)))
        (local.set $phase (i32.add (local.get $phase) (local.get $phaseStep)))
        (if (i32.ge_u (local.get $phase) (local.get $up))
          (then
            (local.set $phase (i32.sub (local.get $phase) (local.get $up)))
            (local.set $index (i32.add (local.get $index) (i32.const 1)))))
        (br_if $outputs (i32.lt_u (local.get $output) (local.get $outputEnd)))))))
