using System.Text;
using ActorDispatch.Transports.Webhooks.Options;
using ActorDispatch.Transports.Webhooks.Sending;
using ActorDispatch.Transports.Webhooks.Tests.Support;

namespace ActorDispatch.Transports.Webhooks.Tests.Unit;

public sealed class WebhookSignatureSpec
{
    [Fact]
    public void Signature_matches_the_standard_webhooks_reference_vector()
    {
        // The example of the Standard Webhooks specification and its reference libraries.
        var key = WebhookOptionsParser.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!.Value;
        var signature = WebhookSignature.Sign(key.AsSpan(), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, Encoding.UTF8.GetBytes("""{"test": 2432232314}"""));
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Theory]
    [InlineData("whsec_c2VjcmV0LWJ5dGVzLWZvci10aGUtdGVzdHM=")]
    [InlineData("a plain string secret of 34 bytes")]
    [InlineData("whsec_")]
    public void Signature_verifies_with_an_independent_implementation(string secret)
    {
        if (secret == "whsec_")
        {
            Assert.Throws<ActorDispatchException>(() => WebhookOptionsParser.ParseSecret(secret));
            return;
        }
        var key = WebhookOptionsParser.ParseSecret(secret)!.Value;
        const string body = """{"id":"x","n":1,"text":"ünïcødé"}""";
        var signature = WebhookSignature.Sign(key.AsSpan(), "3f1c2a9e-1111-2222-3333-444455556666", 1_700_000_000, Encoding.UTF8.GetBytes(body));

        Assert.StartsWith("v1,", signature, StringComparison.Ordinal);
        Assert.True(StandardWebhooksVerifier.Verify(secret, "3f1c2a9e-1111-2222-3333-444455556666", "1700000000", body, signature));
        Assert.False(StandardWebhooksVerifier.Verify(secret, "3f1c2a9e-1111-2222-3333-444455556666", "1700000001", body, signature));
        Assert.False(StandardWebhooksVerifier.Verify(secret, "3f1c2a9e-1111-2222-3333-444455556666", "1700000000", body + " ", signature));
    }

    [Fact]
    public void Whsec_secret_uses_decoded_bytes_and_other_secrets_their_utf8_bytes()
    {
        Assert.Equal("secret-bytes-for-the-tests"u8.ToArray(), WebhookOptionsParser.ParseSecret("whsec_c2VjcmV0LWJ5dGVzLWZvci10aGUtdGVzdHM=")!.Value.ToArray());
        Assert.Equal("whsec-like but not, long enough"u8.ToArray(), WebhookOptionsParser.ParseSecret("whsec-like but not, long enough")!.Value.ToArray());
        Assert.Equal("ключ ключ ключ"u8.ToArray(), WebhookOptionsParser.ParseSecret("ключ ключ ключ")!.Value.ToArray()); // 26 bytes in UTF-8
    }

    [Theory]
    [InlineData("short")]
    [InlineData("23 bytes is not enough!")]
    [InlineData("whsec_c2hvcnQ=")]
    public void A_secret_under_24_bytes_is_refused_naming_the_option(string secret)
    {
        var ex = Assert.Throws<ActorDispatchException>(() => WebhookOptionsParser.ParseSecret(secret));
        Assert.Contains("options.secret", ex.Message, StringComparison.Ordinal);
        Assert.Contains("24", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Whsec_secret_with_invalid_base64_is_refused_naming_the_option()
    {
        var ex = Assert.Throws<ActorDispatchException>(() => WebhookOptionsParser.ParseSecret("whsec_not base64!"));
        Assert.Contains("options.secret", ex.Message, StringComparison.Ordinal);
    }
}
