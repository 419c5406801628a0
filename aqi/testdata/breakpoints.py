# Prints the breakpointCases table of breakpoints_test.go: python3 aqi/testdata/breakpoints.py
# Independent oracle for the breakpoint table tests: exact fractions and
# decimal half-even rounding, no float arithmetic.
from fractions import Fraction as F
from decimal import Decimal as D, ROUND_HALF_EVEN
import math
rows=[0,50,100,150,200,300,400,500]
t2012={
 'colSO2_24h':[0,50,150,475,800,1600,2100,2620],
 'colSO2_1h':[0,150,500,650,800],
 'colNO2_24h':[0,40,80,180,280,565,750,940],
 'colNO2_1h':[0,100,200,700,1200,2340,3090,3840],
 'colPM10_24h':[0,50,150,250,350,420,500,600],
 'colCO_24h':[0,2,4,14,24,36,48,60],
 'colCO_1h':[0,5,10,35,60,90,120,150],
 'colO3_1h':[0,160,200,300,400,800,1000,1200],
 'colO3_8h':[0,100,160,215,265,800],
 'colPM25_24h':[0,35,75,115,150,250,350,500],
}
names={'colSO2_24h':'SO2 24h','colSO2_1h':'SO2 1h','colNO2_24h':'NO2 24h','colNO2_1h':'NO2 1h','colPM10_24h':'PM10 24h','colCO_24h':'CO 24h','colCO_1h':'CO 1h','colO3_1h':'O3 1h','colO3_8h':'O3 8h','colPM25_24h':'PM2.5 24h'}
def table(ed,col):
    bp=list(t2012[col])
    if ed==2026 and col=='colPM10_24h': bp[2]=120
    if ed==2026 and col=='colPM25_24h': bp[2]=60
    return bp
def iaqi(ed,col,cs):
    c=D(cs)
    co=col.startswith('colCO')
    if ed==2026:
        c=c.quantize(D('0.1') if co else D('1'),rounding=ROUND_HALF_EVEN)
    c=F(c)
    bp=table(ed,col)
    if c>bp[-1]:
        return None
    for i in range(1,len(bp)):
        if c<=bp[i]:
            v=rows[i-1]+F(rows[i]-rows[i-1],1)*(c-bp[i-1])/(bp[i]-bp[i-1])
            return math.ceil(v)
out=[]
for ed in (2012,2026):
    for col in t2012:
        co=col.startswith('colCO')
        d = ('0.01' if co else '0.1') if ed==2012 else ('0.1' if co else '1')
        bp=table(ed,col)
        for i,b in enumerate(bp):
            unit='mg/m³' if co else 'µg/m³'
            cases=[]
            for c in ([D(b)-D(d)] if i>0 else [])+[D(b),D(b)+D(d)]:
                v=iaqi(ed,col,str(c))
                if v is None:
                    continue  # above the top row: edge and cap tests cover it
                cases.append('{%s, "%s", %d}'%(ed,c,v))
            out.append('\t// %d %s: row IAQI %d at %s %s; below, at, above\n\t{col: %s, pts: []bpPoint{%s}},'%(ed,names[col],rows[i],b,unit,col,', '.join(cases)))
        if col not in ('colSO2_1h','colO3_8h'):
            out.append('\t// %d %s: above the 500 row caps at 500 (beyond index)\n\t{col: %s, beyond: true, pts: []bpPoint{{%d, "%s", 500}}},'%(ed,names[col],col,ed,D(bp[-1])+D(d)*10))
print('\n'.join(out))
