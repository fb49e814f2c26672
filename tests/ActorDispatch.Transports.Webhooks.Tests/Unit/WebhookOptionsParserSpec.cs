using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Options;

namespace ActorDispatch.Transports.Webhooks.Tests.Unit;

public sealed class WebhookOptionsParserSpec
{
    private static readonly WebhooksSettings Settings = WebhooksSettings.From(
        WebhooksSettings.DefaultConfig("webhooks") with
        {
            Values = WebhooksSettings.DefaultConfig("webhooks").Values.SetItem(WebhooksSettings.AllowedProxiesKey, "http://proxy:3128, http://169.254.0.9"),
        },
        [new("mtls", new WebhookTlsConfig(InsecureSkipVerify: true))], egressAllow: "127.0.0.0/8");

    internal static SubscriptionOptions Options(string json) => JsonSerializer.Deserialize<SubscriptionOptions>(json, ActorDispatchJson.Options)!;

    private static WebhookOptions Parse(string json) => WebhookOptionsParser.Parse(Options(json), Settings);

    private static void AssertRefused(string json, string option)
    {
        var ex = Assert.Throws<ActorDispatchException>(() => Parse(json));
        Assert.Equal(ErrorKind.BadRequest, ex.Kind);
        Assert.Contains($"'options.{option}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_apply_when_only_url_is_given()
    {
        var o = Parse("""{"url":"http://127.0.0.1:9/hook"}""");

        Assert.Equal(new Uri("http://127.0.0.1:9/hook"), o.Url);
        Assert.Equal("POST", o.Method);
        Assert.True(o.WithData);
        Assert.False(o.Batch || o.Json || o.FastAck || o.Reply);
        Assert.Empty(o.Headers);
        Assert.Empty(o.Query);
        Assert.Equal(InputFields.None, o.Input);
        Assert.Equal(new RetrySettings(true, 5, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30)), o.Retry);
        Assert.Equal(new HttpSettings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), 100, TimeSpan.FromSeconds(90), null), o.Http);
        Assert.Null(o.TlsConfigName);
        Assert.Null(o.SigningKey);
    }

    [Fact]
    public void Every_option_is_read()
    {
        var o = Parse("""
            {
              "url": "https://example.com/base",
              "method": "put",
              "headers": {"X-Static": "1"},
              "query": {"q": "a b"},
              "input": {"body": "payload", "headers": "hdrs", "query": "qs", "path": "where"},
              "json": true,
              "reply": true,
              "replytag": "answers",
              "replytx": "0b8f3f0e-7a1c-4d0e-9f4b-2f1e6c1d2a3b",
              "retry": {"enabled": false, "count": 2, "initialDelay": "10ms", "maxDelay": 1000},
              "httpOptions": {"requestTimeout": "2s", "connectionTimeout": "1s", "maxIdleConns": 7, "idleTimeout": "1m", "proxyURL": "http://proxy:3128"},
              "tlsConfigName": "mtls",
              "secret": "s3cret passphrase, 24 bytes",
              "withData": true
            }
            """);

        Assert.Equal("PUT", o.Method);
        Assert.Equal([new("X-Static", "1")], o.Headers.ToArray());
        Assert.Equal([new("q", "a b")], o.Query.ToArray());
        Assert.Equal(new InputFields("payload", "hdrs", "qs", "where"), o.Input);
        Assert.True(o.Json);
        Assert.True(o.Reply);
        Assert.Equal("answers", o.ReplyTag);
        Assert.Equal(Guid.Parse("0b8f3f0e-7a1c-4d0e-9f4b-2f1e6c1d2a3b"), o.ReplyTx);
        Assert.Equal(new RetrySettings(false, 2, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1)), o.Retry);
        Assert.Equal(1, o.Retry.Attempts);
        Assert.Equal(new HttpSettings(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 7, TimeSpan.FromMinutes(1), new Uri("http://proxy:3128")), o.Http);
        Assert.Equal("mtls", o.TlsConfigName);
        Assert.Equal("s3cret passphrase, 24 bytes"u8.ToArray(), o.SigningKey!.Value.ToArray());
    }

    [Fact]
    public void Fastack_and_batch_are_read()
    {
        Assert.True(Parse("""{"url":"http://h/","fastack":true}""").FastAck);
        Assert.True(Parse("""{"url":"http://h/","batch":true}""").Batch);
        Assert.False(Parse("""{"url":"http://h/","withData":false}""").WithData);
    }

    [Fact]
    public void Partial_retry_and_http_options_keep_the_other_defaults()
    {
        var o = Parse("""{"url":"http://h/","retry":{"count":0},"httpOptions":{"requestTimeout":"5s"}}""");
        Assert.Equal(new RetrySettings(true, 0, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30)), o.Retry);
        Assert.Equal(1, o.Retry.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(5), o.Http.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), o.Http.ConnectionTimeout);
    }

    [Theory]
    [InlineData("""{}""", "url")]
    [InlineData("""{"url":"ftp://h/x"}""", "url")]
    [InlineData("""{"url":"/relative"}""", "url")]
    [InlineData("""{"url":42}""", "url")]
    [InlineData("""{"url":"http://h/","method":"PO ST"}""", "method")]
    [InlineData("""{"url":"http://h/","headers":{"Bad Name":"x"}}""", "headers.Bad Name")]
    [InlineData("""{"url":"http://h/","headers":{"Content-Length":"5"}}""", "headers.Content-Length")]
    [InlineData("""{"url":"http://h/","headers":{"X":1}}""", "headers.X")]
    [InlineData("""{"url":"http://h/","query":"a=b"}""", "query")]
    [InlineData("""{"url":"http://h/","input":{"body":""}}""", "input.body")]
    [InlineData("""{"url":"http://h/","input":{"nope":"x"}}""", "input.nope")]
    [InlineData("""{"url":"http://h/","input":{"body":"b"},"withData":false}""", "input")]
    [InlineData("""{"url":"http://h/","input":{"headers":"h"},"batch":true}""", "input.headers")]
    [InlineData("""{"url":"http://h/","json":"yes"}""", "json")]
    [InlineData("""{"url":"http://h/","reply":true,"fastack":true}""", "fastack")]
    [InlineData("""{"url":"http://h/","reply":true,"batch":true}""", "reply")]
    [InlineData("""{"url":"http://h/","replytx":"not-a-uuid"}""", "replytx")]
    [InlineData("""{"url":"http://h/","retry":{"count":-1}}""", "retry.count")]
    [InlineData("""{"url":"http://h/","retry":{"count":1.5}}""", "retry.count")]
    [InlineData("""{"url":"http://h/","retry":{"initialDelay":"soon"}}""", "retry.initialDelay")]
    [InlineData("""{"url":"http://h/","retry":{"maxDelay":"-5s"}}""", "retry.maxDelay")]
    [InlineData("""{"url":"http://h/","retry":{"initialDelay":"2s","maxDelay":"1s"}}""", "retry.maxDelay")]
    [InlineData("""{"url":"http://h/","retry":{"initialDelay":"2d"}}""", "retry.initialDelay")]
    [InlineData("""{"url":"http://h/","retry":{"tries":3}}""", "retry.tries")]
    [InlineData("""{"url":"http://h/","httpOptions":{"requestTimeout":"eventually"}}""", "httpOptions.requestTimeout")]
    [InlineData("""{"url":"http://h/","httpOptions":{"requestTimeout":"0s"}}""", "httpOptions.requestTimeout")]
    [InlineData("""{"url":"http://h/","httpOptions":{"connectionTimeout":true}}""", "httpOptions.connectionTimeout")]
    [InlineData("""{"url":"http://h/","httpOptions":{"maxIdleConns":-1}}""", "httpOptions.maxIdleConns")]
    [InlineData("""{"url":"http://h/","httpOptions":{"idleTimeout":"1 fortnight"}}""", "httpOptions.idleTimeout")]
    [InlineData("""{"url":"http://h/","httpOptions":{"proxyURL":"socks://p"}}""", "httpOptions.proxyURL")]
    [InlineData("""{"url":"http://h/","tlsConfigName":"unknown"}""", "tlsConfigName")]
    [InlineData("""{"url":"http://h/","secret":""}""", "secret")]
    [InlineData("""{"url":"http://h/","bogus":1}""", "bogus")]
    public void Bad_values_are_refused_naming_the_option(string json, string option) => AssertRefused(json, option);

    [Fact]
    public void ValidateOptions_defaults_withData_to_true_and_keeps_an_explicit_false()
    {
        var transport = new WebhooksTransport();
        Assert.True(transport.ValidateOptions(Options("""{"url":"http://h/"}""")).WithData);
        Assert.False(transport.ValidateOptions(Options("""{"url":"http://h/","withData":false}""")).WithData);
        Assert.Throws<ActorDispatchException>(() => transport.ValidateOptions(Options("""{"url":"mailto:x@y"}""")));
    }

    [Fact]
    public void Schema_lists_every_option_and_refuses_others()
    {
        using var schema = new WebhooksTransport().GetOptionsSchema();
        var root = schema.RootElement;
        Assert.False(root.GetProperty("additionalProperties").GetBoolean());
        var names = root.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["fastack", "headers", "httpOptions", "input", "json", "method", "query", "reply", "replytag", "replytx", "retry", "secret", "tlsConfigName", "url"], names);
        Assert.Equal(["body", "headers", "path", "query"], Nested(root, "input"));
        Assert.Equal(["count", "enabled", "initialDelay", "maxDelay"], Nested(root, "retry"));
        Assert.Equal(["connectionTimeout", "idleTimeout", "maxIdleConns", "proxyURL", "requestTimeout"], Nested(root, "httpOptions"));
    }

    private static IEnumerable<string> Nested(JsonElement root, string name)
    {
        var o = root.GetProperty("properties").GetProperty(name);
        Assert.False(o.GetProperty("additionalProperties").GetBoolean());
        return o.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data", "url", "never allowed")]
    [InlineData("http://[fe80::1]/hook", "url", "never allowed")]
    [InlineData("http://10.1.2.3/hook", "url", "allow list")]
    [InlineData("http://[::ffff:192.168.1.1]/hook", "url", "allow list")]
    [InlineData("http://0.0.0.0/hook", "url", "unspecified")]
    [InlineData("http://224.0.0.1/hook", "url", "never allowed")]
    public void An_address_in_the_url_that_policy_refuses_is_refused_at_once_naming_the_option(string url, string option, string why)
    {
        var ex = Assert.Throws<ActorDispatchException>(() => Parse($$"""{"url":"{{url}}"}"""));
        Assert.Contains($"'options.{option}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_proxy_the_operator_did_not_list_is_refused_naming_httpOptions_proxyURL()
    {
        AssertRefused("""{"url":"https://hooks.example/","httpOptions":{"proxyURL":"http://proxy:8080"}}""", "httpOptions.proxyURL");
        AssertRefused("""{"url":"https://hooks.example/","httpOptions":{"proxyURL":"http://other:3128"}}""", "httpOptions.proxyURL");
        var none = WebhooksSettings.From(WebhooksSettings.DefaultConfig("webhooks"));
        var ex = Assert.Throws<ActorDispatchException>(() =>
            WebhookOptionsParser.Parse(Options("""{"url":"https://hooks.example/","httpOptions":{"proxyURL":"http://proxy:3128"}}"""), none));
        Assert.Contains("'options.httpOptions.proxyURL'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("allowed-proxies", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_proxy_address_that_policy_refuses_is_refused_naming_httpOptions_proxyURL() =>
        AssertRefused("""{"url":"https://hooks.example/","httpOptions":{"proxyURL":"http://169.254.0.9:3128"}}""", "httpOptions.proxyURL");

    [Fact]
    public void A_name_is_judged_when_it_is_resolved_not_at_create()
    {
        Assert.Equal("hooks.example", Parse("""{"url":"https://hooks.example/h"}""").Url.Host);
    }
}
