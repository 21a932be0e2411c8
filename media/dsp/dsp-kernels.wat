;; The FFT's, the filterbanks' and the DCT's inner loops in WebAssembly (`npm run build:wasm` assembles this file
;; into dsp-kernels.wasm.ts), for fft.ts, filterbank.ts and cepstrum.ts. Float64 like the JavaScript they replace, and every value is
;; computed by the same operations in the same order (SIMD lanes included: no fused multiply-add),
;; so the spectra are bit for bit those of the JavaScript loops, only with two butterflies per
;; instruction and no bounds checks. All addresses are bytes; arrays are float64 unless noted.
(module
  (memory (export "memory") 1)

  ;; Packs the int16 `samples` (2 * half of them) times `window` two to a complex value, in the
  ;; bit-reversed order of the int32 table `reverse`: re[reverse[n]] = x[2n], im[reverse[n]] = x[2n+1].
  (func (export "pack")
    (param $samples i32) (param $window i32) (param $reverse i32) (param $half i32) (param $re i32) (param $im i32)
    (local $n i32) (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $n) (local.get $half)))
        (local.set $at (i32.shl (i32.load (i32.add (local.get $reverse) (i32.shl (local.get $n) (i32.const 2)))) (i32.const 3)))
        (f64.store (i32.add (local.get $re) (local.get $at))
          (f64.mul (f64.convert_i32_s (i32.load16_s (local.get $samples))) (f64.load (local.get $window))))
        (f64.store (i32.add (local.get $im) (local.get $at))
          (f64.mul (f64.convert_i32_s (i32.load16_s offset=2 (local.get $samples))) (f64.load offset=8 (local.get $window))))
        (local.set $samples (i32.add (local.get $samples) (i32.const 4)))
        (local.set $window (i32.add (local.get $window) (i32.const 16)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next))))

  ;; In-place radix-2 decimation-in-time FFT of `n` complex values in bit-reversed order, two stages
  ;; fused per pass (radix-2^2), as fft.ts describes. `cos`/`sin` hold e^(-2 pi i k / n), k < n/2.
  ;; A pass over groups of size >= 2 runs butterflies k and k+1 side by side in the two lanes.
  (func (export "transform")
    (param $re i32) (param $im i32) (param $cos i32) (param $sin i32) (param $n i32)
    (local $size i32) (local $stride i32) (local $k i32) (local $a i32) (local $end i32) (local $span i32) (local $step i32)
    (local $xr f64) (local $xi f64)
    (local $c1 v128) (local $s1 v128) (local $c2 v128) (local $s2 v128)
    (local $pa i32) (local $pb i32) (local $pc i32) (local $pd i32)
    (local.set $size (i32.const 1))
    (local.set $end (i32.shl (local.get $n) (i32.const 3)))
    ;; An odd number of stages: one radix-2 pass first.
    (if (i32.and (i32.ctz (local.get $n)) (i32.const 1))
      (then
        (block $done
          (loop $pairs
            (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
            (local.set $pa (i32.add (local.get $re) (local.get $a)))
            (local.set $pb (i32.add (local.get $im) (local.get $a)))
            (local.set $xr (f64.load offset=8 (local.get $pa)))
            (local.set $xi (f64.load offset=8 (local.get $pb)))
            (f64.store offset=8 (local.get $pa) (f64.sub (f64.load (local.get $pa)) (local.get $xr)))
            (f64.store offset=8 (local.get $pb) (f64.sub (f64.load (local.get $pb)) (local.get $xi)))
            (f64.store (local.get $pa) (f64.add (f64.load (local.get $pa)) (local.get $xr)))
            (f64.store (local.get $pb) (f64.add (f64.load (local.get $pb)) (local.get $xi)))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br $pairs)))
        (local.set $size (i32.const 2))))
    (block $passesDone
      (loop $passes
        (br_if $passesDone (i32.ge_u (local.get $size) (local.get $n)))
        (local.set $stride (i32.div_u (local.get $n) (i32.shl (local.get $size) (i32.const 2))))
        (local.set $span (i32.shl (local.get $size) (i32.const 3)))
        (local.set $step (i32.shl (local.get $size) (i32.const 5)))
        (if (i32.eq (local.get $size) (i32.const 1))
          (then
            ;; Groups of one have only butterfly k = 0, whose four values are adjacent: no lanes to fill.
            (call $quad1 (local.get $re) (local.get $im) (local.get $cos) (local.get $sin) (local.get $end)))
          (else
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $ks
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $size)))
                ;; Stage size -> 2 size uses W(2 size)^k, stage 2 size -> 4 size W(4 size)^k, for k and k+1.
                (local.set $c1 (call $pair (local.get $cos) (i32.mul (i32.shl (local.get $k) (i32.const 1)) (local.get $stride)) (i32.shl (local.get $stride) (i32.const 1))))
                (local.set $s1 (call $pair (local.get $sin) (i32.mul (i32.shl (local.get $k) (i32.const 1)) (local.get $stride)) (i32.shl (local.get $stride) (i32.const 1))))
                (local.set $c2 (call $pair (local.get $cos) (i32.mul (local.get $k) (local.get $stride)) (local.get $stride)))
                (local.set $s2 (call $pair (local.get $sin) (i32.mul (local.get $k) (local.get $stride)) (local.get $stride)))
                (local.set $a (i32.shl (local.get $k) (i32.const 3)))
                (block $aDone
                  (loop $as
                    (br_if $aDone (i32.ge_u (local.get $a) (local.get $end)))
                    (call $quad2 (i32.add (local.get $re) (local.get $a)) (i32.add (local.get $im) (local.get $a)) (local.get $span)
                      (local.get $c1) (local.get $s1) (local.get $c2) (local.get $s2))
                    (local.set $a (i32.add (local.get $a) (local.get $step)))
                    (br $as)))
                (local.set $k (i32.add (local.get $k) (i32.const 2)))
                (br $ks)))))
        (local.set $size (i32.shl (local.get $size) (i32.const 2)))
        (br $passes))))

  ;; The twiddles table[index] and table[index + apart] in the two lanes of a vector.
  (func $pair (param $table i32) (param $index i32) (param $apart i32) (result v128)
    (f64x2.replace_lane 1
      (f64x2.splat (f64.load (i32.add (local.get $table) (i32.shl (local.get $index) (i32.const 3)))))
      (f64.load (i32.add (local.get $table) (i32.shl (i32.add (local.get $index) (local.get $apart)) (i32.const 3))))))

  ;; Two radix-2^2 butterflies side by side: lanes are the values at `re`/`im` and the next ones;
  ;; b, c, d lie `span` bytes apart after a.
  (func $quad2 (param $re i32) (param $im i32) (param $span i32) (param $c1 v128) (param $s1 v128) (param $c2 v128) (param $s2 v128)
    (local $xr v128) (local $xi v128) (local $tr v128) (local $ti v128)
    (local $a0r v128) (local $a0i v128) (local $b0r v128) (local $b0i v128)
    (local $c0r v128) (local $c0i v128) (local $d0r v128) (local $d0i v128) (local $ur v128) (local $ui v128)
    (local $rb i32) (local $ib i32) (local $rc i32) (local $ic i32) (local $rd i32) (local $id i32)
    (local.set $rb (i32.add (local.get $re) (local.get $span)))
    (local.set $ib (i32.add (local.get $im) (local.get $span)))
    (local.set $rc (i32.add (local.get $rb) (local.get $span)))
    (local.set $ic (i32.add (local.get $ib) (local.get $span)))
    (local.set $rd (i32.add (local.get $rc) (local.get $span)))
    (local.set $id (i32.add (local.get $ic) (local.get $span)))
    (local.set $xr (v128.load (local.get $rb)))
    (local.set $xi (v128.load (local.get $ib)))
    (local.set $tr (f64x2.sub (f64x2.mul (local.get $xr) (local.get $c1)) (f64x2.mul (local.get $xi) (local.get $s1))))
    (local.set $ti (f64x2.add (f64x2.mul (local.get $xr) (local.get $s1)) (f64x2.mul (local.get $xi) (local.get $c1))))
    (local.set $xr (v128.load (local.get $re)))
    (local.set $xi (v128.load (local.get $im)))
    (local.set $a0r (f64x2.add (local.get $xr) (local.get $tr)))
    (local.set $a0i (f64x2.add (local.get $xi) (local.get $ti)))
    (local.set $b0r (f64x2.sub (local.get $xr) (local.get $tr)))
    (local.set $b0i (f64x2.sub (local.get $xi) (local.get $ti)))
    (local.set $xr (v128.load (local.get $rd)))
    (local.set $xi (v128.load (local.get $id)))
    (local.set $tr (f64x2.sub (f64x2.mul (local.get $xr) (local.get $c1)) (f64x2.mul (local.get $xi) (local.get $s1))))
    (local.set $ti (f64x2.add (f64x2.mul (local.get $xr) (local.get $s1)) (f64x2.mul (local.get $xi) (local.get $c1))))
    (local.set $xr (v128.load (local.get $rc)))
    (local.set $xi (v128.load (local.get $ic)))
    (local.set $c0r (f64x2.add (local.get $xr) (local.get $tr)))
    (local.set $c0i (f64x2.add (local.get $xi) (local.get $ti)))
    (local.set $d0r (f64x2.sub (local.get $xr) (local.get $tr)))
    (local.set $d0i (f64x2.sub (local.get $xi) (local.get $ti)))
    (local.set $tr (f64x2.sub (f64x2.mul (local.get $c0r) (local.get $c2)) (f64x2.mul (local.get $c0i) (local.get $s2))))
    (local.set $ti (f64x2.add (f64x2.mul (local.get $c0r) (local.get $s2)) (f64x2.mul (local.get $c0i) (local.get $c2))))
    (v128.store (local.get $re) (f64x2.add (local.get $a0r) (local.get $tr)))
    (v128.store (local.get $im) (f64x2.add (local.get $a0i) (local.get $ti)))
    (v128.store (local.get $rc) (f64x2.sub (local.get $a0r) (local.get $tr)))
    (v128.store (local.get $ic) (f64x2.sub (local.get $a0i) (local.get $ti)))
    (local.set $ur (f64x2.sub (f64x2.mul (local.get $d0r) (local.get $c2)) (f64x2.mul (local.get $d0i) (local.get $s2))))
    (local.set $ui (f64x2.add (f64x2.mul (local.get $d0r) (local.get $s2)) (f64x2.mul (local.get $d0i) (local.get $c2))))
    (v128.store (local.get $rb) (f64x2.add (local.get $b0r) (local.get $ui)))
    (v128.store (local.get $ib) (f64x2.sub (local.get $b0i) (local.get $ur)))
    (v128.store (local.get $rd) (f64x2.sub (local.get $b0r) (local.get $ui)))
    (v128.store (local.get $id) (f64x2.add (local.get $b0i) (local.get $ur))))

  ;; The pass over groups of one (k = 0 only; a, b, c, d consecutive), one butterfly at a time:
  ;; $quad2's operations on scalars, with the twiddles of k = 0 as the tables hold them.
  (func $quad1 (param $re i32) (param $im i32) (param $cos i32) (param $sin i32) (param $end i32)
    (local $a i32) (local $r i32) (local $i i32) (local $c1 f64) (local $s1 f64)
    (local $xr f64) (local $xi f64) (local $tr f64) (local $ti f64)
    (local $a0r f64) (local $a0i f64) (local $b0r f64) (local $b0i f64)
    (local $c0r f64) (local $c0i f64) (local $d0r f64) (local $d0i f64) (local $ur f64) (local $ui f64)
    (local.set $c1 (f64.load (local.get $cos)))
    (local.set $s1 (f64.load (local.get $sin)))
    (block $done
      (loop $groups
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $r (i32.add (local.get $re) (local.get $a)))
        (local.set $i (i32.add (local.get $im) (local.get $a)))
        (local.set $xr (f64.load offset=8 (local.get $r)))
        (local.set $xi (f64.load offset=8 (local.get $i)))
        (local.set $tr (f64.sub (f64.mul (local.get $xr) (local.get $c1)) (f64.mul (local.get $xi) (local.get $s1))))
        (local.set $ti (f64.add (f64.mul (local.get $xr) (local.get $s1)) (f64.mul (local.get $xi) (local.get $c1))))
        (local.set $xr (f64.load (local.get $r)))
        (local.set $xi (f64.load (local.get $i)))
        (local.set $a0r (f64.add (local.get $xr) (local.get $tr)))
        (local.set $a0i (f64.add (local.get $xi) (local.get $ti)))
        (local.set $b0r (f64.sub (local.get $xr) (local.get $tr)))
        (local.set $b0i (f64.sub (local.get $xi) (local.get $ti)))
        (local.set $xr (f64.load offset=24 (local.get $r)))
        (local.set $xi (f64.load offset=24 (local.get $i)))
        (local.set $tr (f64.sub (f64.mul (local.get $xr) (local.get $c1)) (f64.mul (local.get $xi) (local.get $s1))))
        (local.set $ti (f64.add (f64.mul (local.get $xr) (local.get $s1)) (f64.mul (local.get $xi) (local.get $c1))))
        (local.set $xr (f64.load offset=16 (local.get $r)))
        (local.set $xi (f64.load offset=16 (local.get $i)))
        (local.set $c0r (f64.add (local.get $xr) (local.get $tr)))
        (local.set $c0i (f64.add (local.get $xi) (local.get $ti)))
        (local.set $d0r (f64.sub (local.get $xr) (local.get $tr)))
        (local.set $d0i (f64.sub (local.get $xi) (local.get $ti)))
        ;; The second stage's twiddle for k = 0 is the first's, cos[0] and sin[0].
        (local.set $tr (f64.sub (f64.mul (local.get $c0r) (local.get $c1)) (f64.mul (local.get $c0i) (local.get $s1))))
        (local.set $ti (f64.add (f64.mul (local.get $c0r) (local.get $s1)) (f64.mul (local.get $c0i) (local.get $c1))))
        (f64.store (local.get $r) (f64.add (local.get $a0r) (local.get $tr)))
        (f64.store (local.get $i) (f64.add (local.get $a0i) (local.get $ti)))
        (f64.store offset=16 (local.get $r) (f64.sub (local.get $a0r) (local.get $tr)))
        (f64.store offset=16 (local.get $i) (f64.sub (local.get $a0i) (local.get $ti)))
        (local.set $ur (f64.sub (f64.mul (local.get $d0r) (local.get $c1)) (f64.mul (local.get $d0i) (local.get $s1))))
        (local.set $ui (f64.add (f64.mul (local.get $d0r) (local.get $s1)) (f64.mul (local.get $d0i) (local.get $c1))))
        (f64.store offset=8 (local.get $r) (f64.add (local.get $b0r) (local.get $ui)))
        (f64.store offset=8 (local.get $i) (f64.sub (local.get $b0i) (local.get $ur)))
        (f64.store offset=24 (local.get $r) (f64.sub (local.get $b0r) (local.get $ui)))
        (f64.store offset=24 (local.get $i) (f64.add (local.get $b0i) (local.get $ur)))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (br $groups))))

  ;; Splits the packed transform Z (`half` values) into X[0..half] of the real signal:
  ;; X[k] = E[k] + W^k O[k], with `wc`/`ws` holding W^k = e^(-2 pi i k / (2 half)), as fft.ts did.
  (func (export "split")
    (param $zr i32) (param $zi i32) (param $wc i32) (param $ws i32) (param $half i32) (param $re i32) (param $im i32)
    (local $k i32) (local $back i32) (local $ar f64) (local $ai f64) (local $br f64) (local $bi f64)
    (local $er f64) (local $ei f64) (local $or f64) (local $oi f64) (local $c f64) (local $s f64) (local $end i32)
    (local.set $end (i32.shl (local.get $half) (i32.const 3)))
    (f64.store (local.get $re) (f64.add (f64.load (local.get $zr)) (f64.load (local.get $zi))))
    (f64.store (local.get $im) (f64.const 0))
    (f64.store (i32.add (local.get $re) (local.get $end)) (f64.sub (f64.load (local.get $zr)) (f64.load (local.get $zi))))
    (f64.store (i32.add (local.get $im) (local.get $end)) (f64.const 0))
    (local.set $k (i32.const 8))
    (block $done
      (loop $bins
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $back (i32.sub (local.get $end) (local.get $k)))
        (local.set $ar (f64.load (i32.add (local.get $zr) (local.get $k))))
        (local.set $ai (f64.load (i32.add (local.get $zi) (local.get $k))))
        (local.set $br (f64.load (i32.add (local.get $zr) (local.get $back))))
        (local.set $bi (f64.neg (f64.load (i32.add (local.get $zi) (local.get $back)))))
        (local.set $er (f64.mul (f64.const 0.5) (f64.add (local.get $ar) (local.get $br))))
        (local.set $ei (f64.mul (f64.const 0.5) (f64.add (local.get $ai) (local.get $bi))))
        (local.set $or (f64.mul (f64.const 0.5) (f64.sub (local.get $ai) (local.get $bi))))
        (local.set $oi (f64.mul (f64.const -0.5) (f64.sub (local.get $ar) (local.get $br))))
        (local.set $c (f64.load (i32.add (local.get $wc) (local.get $k))))
        (local.set $s (f64.load (i32.add (local.get $ws) (local.get $k))))
        (f64.store (i32.add (local.get $re) (local.get $k))
          (f64.sub (f64.add (local.get $er) (f64.mul (local.get $c) (local.get $or))) (f64.mul (local.get $s) (local.get $oi))))
        (f64.store (i32.add (local.get $im) (local.get $k))
          (f64.add (f64.add (local.get $ei) (f64.mul (local.get $c) (local.get $oi))) (f64.mul (local.get $s) (local.get $or))))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $bins))))

  ;; power[k] = re[k]^2 + im[k]^2 for k < bins, two bins per instruction.
  (func (export "power") (param $re i32) (param $im i32) (param $power i32) (param $bins i32)
    (local $k i32) (local $end i32) (local $x v128) (local $y v128)
    (local.set $end (i32.shl (local.get $bins) (i32.const 3)))
    (block $done
      (loop $pairs
        (br_if $done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $end)))
        (local.set $x (v128.load (i32.add (local.get $re) (local.get $k))))
        (local.set $y (v128.load (i32.add (local.get $im) (local.get $k))))
        (v128.store (i32.add (local.get $power) (local.get $k))
          (f64x2.add (f64x2.mul (local.get $x) (local.get $x)) (f64x2.mul (local.get $y) (local.get $y))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $pairs)))
    (if (i32.lt_u (local.get $k) (local.get $end))
      (then
        (f64.store (i32.add (local.get $power) (local.get $k))
          (f64.add
            (f64.mul (f64.load (i32.add (local.get $re) (local.get $k))) (f64.load (i32.add (local.get $re) (local.get $k))))
            (f64.mul (f64.load (i32.add (local.get $im) (local.get $k))) (f64.load (i32.add (local.get $im) (local.get $k)))))))))
;; DCT coefficients as matrix-vector products: out[k] = sum over i < inputs of M[k][i] * x[i], for
  ;; k < 2 * pairs. `matrix` holds the rows two by two, interleaved (M[0][0], M[1][0], M[0][1],
  ;; M[1][1], ...): each lane's sum adds its terms in order, as the JavaScript loop did.
  (func (export "dct") (param $matrix i32) (param $inputs i32) (param $pairs i32) (param $input i32) (param $out i32)
    (local $p i32) (local $i i32) (local $end i32) (local $sum v128)
    (local.set $end (i32.add (local.get $input) (i32.shl (local.get $inputs) (i32.const 3))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $p) (local.get $pairs)))
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $i (local.get $input))
        (block $summed
          (loop $terms
            (br_if $summed (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $sum (f64x2.add (local.get $sum) (f64x2.mul (v128.load (local.get $matrix)) (f64x2.splat (f64.load (local.get $i))))))
            (local.set $matrix (i32.add (local.get $matrix) (i32.const 16)))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $terms)))
        (v128.store (local.get $out) (local.get $sum))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $rows))))

  ;; Band energies of triangular filters: out[b] = sum over j < length_b of weights[w_b + j] *
  ;; power[first_b + j], the terms added in order as the JavaScript loop did. `layout` holds
  ;; (first_b, length_b) int32 pairs; each band's weights follow the previous band's.
  (func (export "filterbank") (param $weights i32) (param $layout i32) (param $bands i32) (param $power i32) (param $out i32)
    (local $end i32) (local $p i32) (local $stop i32) (local $sum f64)
    (local.set $end (i32.add (local.get $layout) (i32.shl (local.get $bands) (i32.const 3))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $layout) (local.get $end)))
        (local.set $p (i32.add (local.get $power) (i32.shl (i32.load (local.get $layout)) (i32.const 3))))
        (local.set $stop (i32.add (local.get $weights) (i32.shl (i32.load offset=4 (local.get $layout)) (i32.const 3))))
        (local.set $sum (f64.const 0))
        (block $summed
          (loop $terms
            (br_if $summed (i32.ge_u (local.get $weights) (local.get $stop)))
            (local.set $sum (f64.add (local.get $sum) (f64.mul (f64.load (local.get $weights)) (f64.load (local.get $p)))))
            (local.set $weights (i32.add (local.get $weights) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $terms)))
        (f64.store (local.get $out) (local.get $sum))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $layout (i32.add (local.get $layout) (i32.const 8)))
        (br $each))))
)
