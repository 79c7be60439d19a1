# CPU time per request (left) and per login (right), from results.csv.
# run.sh calls: gnuplot -e "csv='bench/out/results.csv'; png='bench/out/results.png'" bench/chart.gp
set terminal pngcairo size 1600,800 font ",10" noenhanced
set output png
set datafile separator ","
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.8
set grid ytics
set key off
set yrange [0:*]
set xtics rotate by 30 right nomirror
set bmargin 15
set tmargin 4
set offsets 0, 0, graph 0.1, 0
# Rows of one kind only; the header line has no kind.
rows(kind) = sprintf("< awk -F, '$3 == \"%s\"' '%s'", kind, csv)

set multiplot layout 1,2 title "httpd CPU time (all processes of the instance), event MPM, same run"
set size 0.64,0.96
set lmargin 16
set title "per request (µs)"
plot rows("request") using 8:xtic(2) lc rgb "#4a7ab5", \
     '' using 0:8:(sprintf("%.0f", $8)) with labels offset 0,0.8
set origin 0.64,0
set size 0.36,0.96
set lmargin 10
set title "per login (µs)"
plot rows("login") using 8:xtic(2) lc rgb "#b5804a", \
     '' using 0:8:(sprintf("%.0f", $8)) with labels offset 0,0.8
unset multiplot
