using Messaging.Transports.AspNetCore;
using Microsoft.AspNetCore.Authentication;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the INSECURE development authentication scheme of the messaging gateway.</summary>
public static class MessagingDevelopmentAuthenticationExtensions
{
    /// <summary>
    /// Adds the <see cref="MessagingDevelopmentAuthenticationDefaults.AuthenticationScheme"/> scheme, which takes the
    /// user id from <c>Authorization: Bearer &lt;user&gt;</c> or the <c>access_token</c> query parameter WITHOUT
    /// verifying it. For local development and tests only: anybody can claim to be anybody. Active only when the
    /// host calls this method; make it the default scheme with
    /// <c>AddAuthentication(MessagingDevelopmentAuthenticationDefaults.AuthenticationScheme)</c>.
    /// </summary>
    /// <param name="builder">The authentication builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static AuthenticationBuilder AddMessagingDevelopmentAuthentication(this AuthenticationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddScheme<AuthenticationSchemeOptions, DevelopmentAuthenticationHandler>(
            MessagingDevelopmentAuthenticationDefaults.AuthenticationScheme,
            "Messaging development (insecure)",
            configureOptions: null);
    }
}
