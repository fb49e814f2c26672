using System.Net;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

/// <summary>POST …/events with an <c>Idempotency-Key</c>: a retry answers as the first call did, and says so.</summary>
[Collection(nameof(ServerCollection))]
public sealed class IdempotencyKeySpec(ServerFixture server)
{
    private HttpClient Http => server.Http;

    private Task<HttpResponseMessage> PostAsync(string ns, string json, params string[] keys)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/namespaces/{ns}/events") { Content = Body(json) };
        foreach (var key in keys) request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return Http.SendAsync(request);
    }

    private async Task<int> CountAsync(string ns) => (await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/events"))).AsArray().Count;

    [Theory]
    [InlineData("""{"type":"order_created","topic":"orders","data":{"id":1}}""")]
    [InlineData("""[{"type":"order_created","data":{"id":1}},{"type":"order_paid","data":{"id":1}}]""")]
    public async Task A_retry_with_the_key_is_201_with_the_same_body_and_says_it_was_replayed(string json)
    {
        var ns = NewNamespace();
        var first = await PostAsync(ns, json, "order-1");
        var retry = await PostAsync(ns, json, "order-1");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Equal(json.StartsWith('[') ? 2 : 1, await CountAsync(ns));

        var other = await PostAsync(ns, json, "order-2"); // another key appends
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.False(other.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task The_key_with_other_events_is_409_naming_it()
    {
        var ns = NewNamespace();
        await PostAsync(ns, """{"type":"a"}""", "order-1");

        await AssertError(await PostAsync(ns, """{"type":"b"}""", "order-1"), 409, "Idempotency-Key");
        Assert.Equal(1, await CountAsync(ns));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("256")]
    [InlineData("twice")]
    public async Task A_bad_key_is_400_naming_it_and_nothing_is_appended(string key)
    {
        var ns = NewNamespace();
        string[] keys = key switch
        {
            "256" => [new string('k', 256)],
            "twice" => ["a", "b"],
            _ => [key],
        };

        await AssertError(await PostAsync(ns, """{"type":"a"}""", keys), 400, "'Idempotency-Key'");
        Assert.Equal(0, await CountAsync(ns));
    }
}
