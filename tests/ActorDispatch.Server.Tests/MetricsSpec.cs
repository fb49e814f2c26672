using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ActorDispatch.Server.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

/// <summary>
/// <c>GET /metrics</c> of a server of its own, scraped over HTTP after a known workload. Counters are
/// cumulative per process, so every assertion is on the test's own namespace; the server reports
/// only its own engine's meter, so the connection gauge is exact too.
/// </summary>
public sealed class MetricsSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Counters_gauges_and_histograms_reflect_a_known_workload()
    {
        const int events = 10;
        var ns = NewNamespace();
        foreach (var (name, readAhead) in new[] { ("consumer", 0), ("idle", 5) })
        {
            var created = await server.Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
                Body($$$"""{"name":"{{{name}}}","transport":"websockets","options":{"firstEvent":"oldest","readAhead":{{{readAhead}}}}}"""));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var batch = string.Join(",", Enumerable.Range(1, events).Select(i => $$"""{"type":"t{{i}}","topic":"orders"}"""));
        Assert.Equal(HttpStatusCode.Created, (await server.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body($"[{batch}]"))).StatusCode);

        // One in flight at a time: 1, 2, 3 acked, 4 rejected and redelivered, then acked, 5 acked, 6 left unanswered.
        using var cts = new CancellationTokenSource(Timeout);
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws", Query = $"namespace={ns}&name=consumer" }.Uri, cts.Token);
        var sequences = new List<long>();
        for (var answered = 0; answered < 6; answered++)
        {
            var delivery = await ws.ReceiveJsonAsync(cts.Token);
            sequences.Add((long)delivery["sequence"]!);
            var reject = sequences.Count == 4;
            await SendAsync(ws, $$"""{"type":"{{(reject ? "nack" : "ack")}}","id":"{{delivery["id"]}}"}""", cts.Token);
        }
        sequences.Add((long)(await ws.ReceiveJsonAsync(cts.Token))["sequence"]!);
        Assert.Equal([1L, 2, 3, 4, 4, 5, 6], sequences);

        var consumer = new[] { ("namespace", ns), ("subscription", "consumer") };
        var idle = new[] { ("namespace", ns), ("subscription", "idle") };
        var text = await ScrapeUntil(server.Http, m =>
            m.Value("actordispatch_subscription_lag", consumer) == 5 && m.Value("actordispatch_subscription_in_flight", consumer) == 1, cts.Token);

        Assert.Equal(events, text.Value("actordispatch_events_appended_total", ("namespace", ns)));
        Assert.Equal(7, text.Value("actordispatch_deliveries_total", [.. consumer, ("transport", "websockets")]));
        Assert.Equal(5, text.Value("actordispatch_delivery_responses_total", [.. consumer, ("outcome", "ack")]));
        Assert.Equal(1, text.Value("actordispatch_delivery_responses_total", [.. consumer, ("outcome", "reject")]));
        Assert.Null(text.Value("actordispatch_delivery_responses_total", [.. consumer, ("outcome", "timeout")]));
        Assert.Equal(1, text.Value("actordispatch_redeliveries_total", consumer));
        Assert.Equal(events, text.Value("actordispatch_subscription_lag", idle)); // no connection, nothing consumed
        Assert.Equal(0, text.Value("actordispatch_subscription_in_flight", idle));
        Assert.Equal(0, text.Value("actordispatch_subscription_parked", consumer));
        Assert.True(text.Value("actordispatch_subscription_oldest_unacked_age_seconds", consumer) > 0);
        Assert.Equal(0, text.Value("actordispatch_subscription_oldest_unacked_age_seconds", idle));
        Assert.Null(text.Value("actordispatch_deliveries_total", [.. idle, ("transport", "websockets")]));
        Assert.Equal(5, text.Value("actordispatch_delivery_latency_seconds_count", consumer));
        Assert.True(text.Value("actordispatch_delivery_latency_seconds_sum", consumer) > 0);
        Assert.True(text.Value("actordispatch_journal_write_seconds_count", ("namespace", ns)) > 0);
        Assert.Equal(1, text.Value("actordispatch_connections", ("transport", "websockets")));
        Assert.Equal(1, text.Value("actordispatch_connections", ("transport", "webhooks"))); // the transport's one shared connection
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", text.Text);
        Assert.Contains("http_server_request_duration_seconds_bucket", text.Text);

        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
        await ScrapeUntil(server.Http, m => m.Value("actordispatch_connections", ("transport", "websockets")) == 0, cts.Token);

        // A deleted subscription's series go.
        Assert.Equal(HttpStatusCode.NoContent, (await server.Http.DeleteAsync($"/api/v1/namespaces/{ns}/subscriptions/idle", cts.Token)).StatusCode);
        await ScrapeUntil(server.Http, m => m.Value("actordispatch_subscription_lag", idle) is null, cts.Token);
    }

    [Fact]
    public async Task With_auth_the_metrics_are_open_by_default_or_need_the_configured_role_of_every_namespace()
    {
        var readerKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var scopedKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        string[] keys =
        [
            $"--ActorDispatch:Auth:ApiKeys:reader:Sha256={Sha256(readerKey)}", "--ActorDispatch:Auth:ApiKeys:reader:Role=reader",
            $"--ActorDispatch:Auth:ApiKeys:scoped:Sha256={Sha256(scopedKey)}", "--ActorDispatch:Auth:ApiKeys:scoped:Role=admin",
            "--ActorDispatch:Auth:ApiKeys:scoped:Namespaces=one",
        ];

        await using (var open = await OwnServer.StartAsync(keys))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await open.Http.GetAsync("/api/v1/status")).StatusCode);
            var scraped = await open.Http.GetAsync(MetricsEndpoints.Path);
            Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
            Assert.Contains("actordispatch_connections", await scraped.Content.ReadAsStringAsync());
        }

        await using var guarded = await OwnServer.StartAsync([.. keys, "--ActorDispatch:Metrics:Auth=reader"]);
        var anonymous = await guarded.Http.GetAsync(MetricsEndpoints.Path);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(guarded, MetricsEndpoints.Path, "not-a-key")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(guarded, MetricsEndpoints.Path, scopedKey)).StatusCode);
        var allowed = await Get(guarded, MetricsEndpoints.Path, readerKey);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.StartsWith("text/plain", allowed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("actordispatch_connections", await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_metrics_auth_setting_is_open_or_a_role()
    {
        static MetricsAccess Read(string? value) =>
            MetricsAccess.From(new ConfigurationBuilder().AddInMemoryCollection([new(MetricsAccess.Setting, value)]).Build());

        Assert.Null(Read(null).Role);
        Assert.Null(Read("Open").Role);
        Assert.Equal(Auth.Role.Writer, Read("writer").Role);
        Assert.Contains(MetricsAccess.Setting, Assert.Throws<InvalidOperationException>(() => Read("everyone")).Message);
    }

    private static string Sha256(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    private static async Task<Scraped> ScrapeUntil(HttpClient http, Func<Scraped, bool> done, CancellationToken ct)
    {
        Scraped scraped;
        while (true)
        {
            scraped = new Scraped(await http.GetStringAsync(MetricsEndpoints.Path, ct));
            if (done(scraped)) return scraped;
            await Task.Delay(100, ct); // the exporter caches a scrape for 300 ms
        }
    }

    private static async Task SendAsync(ClientWebSocket ws, string json, CancellationToken ct) =>
        await ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, ct);

    private static Task<HttpResponseMessage> Get(OwnServer server, string path, string apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return server.Http.SendAsync(request);
    }

    /// <summary>A scrape in the Prometheus text format: finds a sample by name and a subset of its labels.</summary>
    private sealed class Scraped(string text)
    {
        public string Text { get; } = text;

        public double? Value(string name, params (string Label, string Value)[] labels)
        {
            foreach (var line in Text.Split('\n'))
            {
                if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal)) continue;
                var rest = line[name.Length..];
                if (rest.Length == 0 || rest[0] is not ('{' or ' ')) continue; // another metric with this prefix
                var close = rest.IndexOf('}');
                var labelText = rest[0] == '{' ? rest[1..close] : "";
                if (!labels.All(l => labelText.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal))) continue;
                var value = rest[(close + 1)..].Trim().Split(' ')[0];
                return double.Parse(value, CultureInfo.InvariantCulture);
            }
            return null;
        }
    }
}
