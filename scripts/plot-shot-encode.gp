# SPDX-License-Identifier: MIT
# Encode time against picture content (scripts/bench.sh, group 6): each
# picture is 3840x2160, photo-like on the left fraction, a flat desktop
# (windows, text) on the rest. Input: SB_SHOT_DAT (sbbench-shot --plot);
# output: SB_SHOT_PNG.
dat = system("echo $SB_SHOT_DAT")
out = system("echo $SB_SHOT_PNG")
set terminal pngcairo size 900,560 noenhanced
set output out
set title "PNG encode of a 3840x2160 desktop, CPU time (same run, interleaved)"
set xlabel "share of the picture that is photo-like (rest: flat windows and text)"
set ylabel "CPU ms (log scale)"
set logscale y
set grid
set key top left
plot dat using 1:2 with linespoints lw 2 title "ours, --compression fast (literals or libdeflate by content)", \
     dat using 1:3 with linespoints lw 2 title "ours, --compression small (libdeflate 6 or literals, filter per row)", \
     dat using 1:4 with linespoints lw 2 title "before: Sub + zlib 6", \
     dat using 1:5 with linespoints lw 2 title "Sub + zlib 1"
