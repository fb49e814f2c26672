using System.Net;
using System.Text.Json.Nodes;
using ActorDispatch.Model;
using Microsoft.Extensions.DependencyInjection;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

/// <summary>The parked, replay, reset, pause and resume routes over HTTP, with an in-process consumer.</summary>
[Collection(nameof(ServerCollection))]
public sealed class DeliveryControlRestSpec(ServerFixture server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private HttpClient Http => server.Http;

    private IActorDispatch Dispatch => server.Services.GetRequiredService<IActorDispatch>();

    private static string Route(string ns, string path = "") => $"/api/v1/namespaces/{ns}/subscriptions/local{path}";

    private async Task<string> SubscriptionWithAParkedEventAsync()
    {
        var ns = NewNamespace();
        var created = await Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body("""{"name":"local","transport":"system","options":{"firstEvent":"oldest","maxDeliveries":1}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body("""[{"type":"poison"},{"type":"fine"}]"""));
        using var cts = new CancellationTokenSource(Timeout);
        await foreach (var d in Dispatch.ListenAsync(ns, "local", cts.Token))
        {
            if (d.Event.Type == "poison") await d.RejectAsync("cannot take it");
            else
            {
                await d.AckAsync();
                break;
            }
        }
        await Eventually(async () => (await ReadJson(await Http.GetAsync(Route(ns, "/parked")))).AsArray().Count == 1);
        return ns;
    }

    [Fact]
    public async Task Parked_events_are_listed_replayed_ahead_of_the_stream_and_leave_the_list_once_acked()
    {
        var ns = await SubscriptionWithAParkedEventAsync();
        var parked = (await ReadJson(await Http.GetAsync(Route(ns, "/parked")))).AsArray().Single()!;
        Assert.Equal(1, (long)parked["sequence"]!);
        Assert.Equal(1, (int)parked["deliveries"]!);
        Assert.Contains("cannot take it", (string?)parked["reason"]);
        Assert.NotNull((string?)parked["id"]);
        Assert.NotNull((string?)parked["parked"]);
        var status = await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/local?fetchstatus=true"));
        Assert.Equal(1, (int)status["status"]!["parked"]!);

        var replay = await Http.PostAsync(Route(ns, "/parked/replay"), Body("{}"));
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(1, (int)(await ReadJson(replay))["replaying"]!);
        using var cts = new CancellationTokenSource(Timeout);
        await foreach (var d in Dispatch.ListenAsync(ns, "local", cts.Token))
        {
            Assert.Equal(1, d.Event.Sequence);
            await d.AckAsync();
            break;
        }
        await Eventually(async () => (await ReadJson(await Http.GetAsync(Route(ns, "/parked")))).AsArray().Count == 0);
    }

    [Fact]
    public async Task Parked_events_are_discarded_one_or_all_and_an_unknown_one_is_404()
    {
        var ns = await SubscriptionWithAParkedEventAsync();
        await AssertError(await Http.DeleteAsync(Route(ns, "/parked/2")), 404, "sequence 2");
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync(Route(ns, "/parked/1"))).StatusCode);
        Assert.Equal(0, (int)(await ReadJson(await Http.DeleteAsync(Route(ns, "/parked"))))["discarded"]!);
        Assert.Empty((await ReadJson(await Http.GetAsync(Route(ns, "/parked")))).AsArray());
    }

    [Fact]
    public async Task Reset_pause_and_resume_answer_with_the_subscription_and_its_new_status()
    {
        var ns = await SubscriptionWithAParkedEventAsync();

        var reset = await ReadJson(await Http.PostAsync(Route(ns, "/reset"), Body("""{"firstEvent":"oldest"}""")));
        Assert.Equal(0, (long)reset["status"]!["currentOffset"]!);
        var paused = await ReadJson(await Http.PostAsync(Route(ns, "/pause"), NoBody()));
        Assert.True((bool)paused["status"]!["paused"]!);
        var resumed = await ReadJson(await Http.PostAsync(Route(ns, "/resume"), NoBody()));
        Assert.False((bool)resumed["status"]!["paused"]!);
        var bySequence = await ReadJson(await Http.PostAsync(Route(ns, "/reset"), Body("""{"firstEvent":2}""")));
        Assert.Equal(1, (long)bySequence["status"]!["currentOffset"]!);
    }

    [Theory]
    [InlineData("/reset", """{"firstEvent":"yesterday"}""", 400, "'firstEvent'")]
    [InlineData("/reset", """{}""", 400, "'firstEvent'")]
    [InlineData("/reset", """{"first":"oldest"}""", 400, "'first'")]
    [InlineData("/parked/replay", """{"sequences":["x"]}""", 400, "'sequences[0]'")]
    [InlineData("/parked/replay", """{"sequences":[1],"all":true}""", 400, "'all'")]
    public async Task Bad_bodies_are_refused_naming_the_field(string path, string body, int status, string mentions)
    {
        var ns = await SubscriptionWithAParkedEventAsync();
        await AssertError(await Http.PostAsync(Route(ns, path), Body(body)), status, mentions);
        Assert.Single((await ReadJson(await Http.GetAsync(Route(ns, "/parked")))).AsArray()); // nothing changed
    }

    [Fact]
    public async Task An_unknown_subscription_is_404_on_every_route()
    {
        var ns = NewNamespace();
        await AssertError(await Http.GetAsync(Route(ns, "/parked")), 404, "'local'");
        await AssertError(await Http.PostAsync(Route(ns, "/parked/replay"), Body("{}")), 404, "'local'");
        await AssertError(await Http.DeleteAsync(Route(ns, "/parked")), 404, "'local'");
        await AssertError(await Http.PostAsync(Route(ns, "/reset"), Body("""{"firstEvent":"oldest"}""")), 404, "'local'");
        await AssertError(await Http.PostAsync(Route(ns, "/pause"), NoBody()), 404, "'local'");
        await AssertError(await Http.PostAsync(Route(ns, "/resume"), NoBody()), 404, "'local'");
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {Timeout.TotalSeconds}s");
            await Task.Delay(50);
        }
    }
}
