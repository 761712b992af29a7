package io.sanref.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table's arithmetic, on synthetic JMH JSON: which result feeds which row, ratios, and met/missed against
 * PERFORMANCE.md's targets, including the wsd and rdma rows when those HALs ran and when they did not. The numbers
 * are made up; nothing here measures or judges a real time.
 */
class ReportTest
{
    private static String sample(final String benchmark, final String params, final double p50, final double p999)
    {
        final String pct = "{\"50.0\":" + p50 + ",\"99.9\":" + p999 + "}";
        return "{\"benchmark\":\"io.sanref.bench." + benchmark + "\",\"mode\":\"sample\",\"params\":{" + params +
            "},\"primaryMetric\":{\"score\":" + p50 + ",\"scorePercentiles\":" + pct + "},\"secondaryMetrics\":" +
            "{\"ping\":{\"score\":" + p50 + ",\"scorePercentiles\":" + pct + "}}}";
    }

    private static Report report(final Map<String, String> unavailable, final String... results) throws Exception
    {
        final Path json = Files.createTempFile("sanref-report", ".json");
        Files.writeString(json, "[" + String.join(",", results) + "]");
        final Machine machine = Machine.describe("test");
        machine.finish();
        final Report report = Report.from(List.of(json), unavailable, machine, "test");
        Files.deleteIfExists(json);
        return report;
    }

    private static Report.Row row(final Report report, final String id, final String whatContains)
    {
        return report.rows().stream()
            .filter((r) -> r.id().equals(id) && r.what().contains(whatContains))
            .findFirst().orElseThrow(() -> new AssertionError("no row " + id + " '" + whatContains + "'"));
    }

    @Test
    void pingPongRowsUseThePingThreadsPercentilesAndJudgeEachTarget() throws Exception
    {
        final Report report = report(Map.of(),
            sample("RingPingPong.pingpong", "", 100, 1000),
            sample("AeronIpcPingPong.pingpong", "", 200, 2000),
            sample("ProviderPingPong.pingpong", "\"hal\":\"loopback\",\"journal\":\"off\"", 140, 3000),
            sample("ProviderPingPong.pingpong", "\"hal\":\"loopback\",\"journal\":\"on\"", 160, 1500),
            sample("NioPingPong.pingpong", "", 10_000, 50_000),
            sample("NettyPingPong.ping", "", 30_000, 90_000),
            sample("ProviderPingPong.pingpong", "\"hal\":\"wsd\",\"journal\":\"off\"", 12_000, 60_000),
            sample("ProviderPingPong.pingpong", "\"hal\":\"rdma\",\"journal\":\"off\"", 300, 9000));

        final Report.Row vsRing = row(report, "P1", "journal off: p50 vs raw Agrona ring");
        assertEquals(1.4, vsRing.ratio(), 1e-9);
        assertEquals(Report.MET, vsRing.status());
        assertEquals(Report.MISSED, row(report, "P1", "journal off: p99.9 vs Aeron").status());
        assertEquals(Report.MET, row(report, "P1", "journal on: p99.9 vs Aeron").status());

        final Report.Row wsdFloor = row(report, "P2", "wsd: p50 vs NIO floor");
        assertEquals(1.2, wsdFloor.ratio(), 1e-9);
        assertEquals(Report.MISSED, wsdFloor.status());
        assertEquals(Report.MET, row(report, "P2", "wsd: p50 vs Netty").status());

        final Report.Row rdma = row(report, "P3", "rdma");
        assertEquals(300.0 / 140.0, rdma.ratio(), 1e-9);
        assertEquals(Report.MISSED, rdma.status());
    }

    @Test
    void rowsOfAHalThatIsMissingSayWhyInsteadOfANumber() throws Exception
    {
        final String why = "HAL not built/available: no HAL named 'wsd' on this build's class path (found [loopback])";
        final Report report = report(Map.of("wsd", why, "rdma", "HAL not built/available: rdma"),
            sample("NioPingPong.pingpong", "", 10_000, 50_000));

        assertEquals(why, row(report, "P2", "over wsd").status());
        assertTrue(row(report, "P3", "rdma").status().startsWith("HAL not built/available"));
        assertTrue(report.table().contains(why));
    }

    @Test
    void anInProcessComparisonWithAMillisecondMedianIsMarkedUnreliableNotMet() throws Exception
    {
        final Report report = report(Map.of(),
            sample("RingPingPong.pingpong", "", 8_000_000, 9_000_000),
            sample("AeronIpcPingPong.pingpong", "", 600, 2000),
            sample("ProviderPingPong.pingpong", "\"hal\":\"loopback\",\"journal\":\"off\"", 1500, 3000));

        assertTrue(row(report, "P1", "journal off: p50 vs raw Agrona ring").status().startsWith(Report.UNRELIABLE));
        assertEquals(Report.MISSED, row(report, "P1", "journal off: p50 vs Aeron").status());
    }
}
