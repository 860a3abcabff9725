package explorer

import (
	"math"
	"strconv"
	"strings"
)

// Chart geometry, in SVG user units: the viewBox and the plot area inside
// it, leaving room for the axis labels.
const (
	chartW      = 560.0
	chartH      = 250.0
	plotLeft    = 70.0
	plotRight   = 16.0
	plotTop     = 16.0
	plotBottom  = 48.0
	plotWidth   = chartW - plotLeft - plotRight
	plotHeight  = chartH - plotTop - plotBottom
	plotBaseY   = plotTop + plotHeight
	maxBarCount = 64
)

// chart is an SVG chart ready for the "chart" template: everything is
// already in SVG coordinates.
type chart struct {
	ID             string
	Title          string
	XLabel, YLabel string
	XTicks, YTicks []tick
	// Line is a polyline's points ("x,y x,y ...").
	Line string
	// Bars are rectangles, each with a tooltip.
	Bars []bar
	// Ref is a dashed horizontal reference line (say, the target spacing).
	Ref *refLine
	// Empty, when set, is shown instead of data.
	Empty string
}

// tick is an axis tick at a position with its label.
type tick struct {
	X, Y  float64
	Label string
}

// bar is one bar of a bar chart.
type bar struct {
	X, Y, W, H float64
	Label      string
	Title      string
}

// refLine is a horizontal line across the plot.
type refLine struct {
	Y     float64
	Label string
}

// Fixed plot corners for the template.
func (chart) W() float64       { return chartW }
func (chart) H() float64       { return chartH }
func (chart) Left() float64    { return plotLeft }
func (chart) Right() float64   { return plotLeft + plotWidth }
func (chart) Top() float64     { return plotTop }
func (chart) Base() float64    { return plotBaseY }
func (chart) MidX() float64    { return plotLeft + plotWidth/2 }
func (chart) MidY() float64    { return plotTop + plotHeight/2 }
func (chart) TickEnd() float64 { return plotBaseY + 4 }
func (chart) XLabelY() float64 {
	return chartH - 8
}

// series is a line chart's data: x values ascending, y values.
type series struct {
	X, Y []float64
}

// lineChart draws s as a line over a y axis from 0 (or the lowest value,
// if negative) to a rounded maximum. yFormat prints a tick value.
func lineChart(id, title, xLabel, yLabel string, s series, ref float64, refLabel string, yFormat func(float64) string) chart {
	c := chart{ID: id, Title: title, XLabel: xLabel, YLabel: yLabel}
	if len(s.X) < 2 {
		c.Empty = "Not enough blocks yet."
		return c
	}
	ymin, ymax := 0.0, ref
	for _, y := range s.Y {
		ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
	}
	step := niceStep(ymax-ymin, 3)
	ymin = math.Floor(ymin/step) * step
	ymax = math.Ceil(ymax/step) * step
	if ymax <= ymin {
		ymax = ymin + step
	}
	xmin, xmax := s.X[0], s.X[len(s.X)-1]
	if xmax <= xmin {
		xmax = xmin + 1
	}
	px := func(x float64) float64 { return plotLeft + (x-xmin)/(xmax-xmin)*plotWidth }
	py := func(y float64) float64 { return plotBaseY - (y-ymin)/(ymax-ymin)*plotHeight }
	var b strings.Builder
	for i := range s.X {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(coord(px(s.X[i])))
		b.WriteByte(',')
		b.WriteString(coord(py(s.Y[i])))
	}
	c.Line = b.String()
	for y := ymin; y <= ymax+step/2; y += step {
		c.YTicks = append(c.YTicks, tick{X: plotLeft, Y: py(y), Label: yFormat(y)})
	}
	xstep := niceStep(xmax-xmin, 4)
	for x := math.Ceil(xmin/xstep) * xstep; x <= xmax; x += xstep {
		c.XTicks = append(c.XTicks, tick{X: px(x), Y: plotBaseY, Label: strconv.FormatFloat(x, 'f', -1, 64)})
	}
	if ref > 0 {
		c.Ref = &refLine{Y: py(ref), Label: refLabel}
	}
	return c
}

// barChart draws one bar per value, labelled below, on a y axis from 0.
func barChart(id, title, xLabel, yLabel string, labels []string, values []float64, titles []string) chart {
	c := chart{ID: id, Title: title, XLabel: xLabel, YLabel: yLabel}
	n := min(len(values), maxBarCount)
	if n == 0 {
		c.Empty = "No data."
		return c
	}
	ymax := 0.0
	for _, v := range values[:n] {
		ymax = math.Max(ymax, v)
	}
	if ymax == 0 {
		ymax = 1
	}
	step := niceStep(ymax, 4)
	step = math.Max(step, 1) // counts
	ymax = math.Ceil(ymax/step) * step
	slot := plotWidth / float64(n)
	for i := range n {
		h := values[i] / ymax * plotHeight
		c.Bars = append(c.Bars, bar{X: plotLeft + float64(i)*slot + slot*0.1, Y: plotBaseY - h, W: slot * 0.8, H: h,
			Title: titles[i]})
		c.XTicks = append(c.XTicks, tick{X: plotLeft + (float64(i)+0.5)*slot, Y: plotBaseY, Label: labels[i]})
	}
	for y := 0.0; y <= ymax+step/2; y += step {
		c.YTicks = append(c.YTicks, tick{X: plotLeft, Y: plotBaseY - y/ymax*plotHeight, Label: strconv.FormatFloat(y, 'f', -1, 64)})
	}
	return c
}

// niceStep returns a round step (1, 2 or 5 times a power of ten) that cuts
// span into about n parts.
func niceStep(span float64, n int) float64 {
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*pow {
			return m * pow
		}
	}
	return 10 * pow
}

// coord prints an SVG coordinate with one decimal.
func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
