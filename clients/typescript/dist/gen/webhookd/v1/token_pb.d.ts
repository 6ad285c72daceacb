import type { GenEnum, GenFile, GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import type { Scope } from "./webhook_pb.js";
import type { Message } from "@bufbuild/protobuf";
/**
 * Describes the file webhookd/v1/token.proto.
 */
export declare const file_webhookd_v1_token: GenFile;
/**
 * An API token, without its bearer value.
 *
 * @generated from message webhookd.v1.Token
 */
export type Token = Message<"webhookd.v1.Token"> & {
    /**
     * Server-assigned identifier (a UUID); not a credential.
     *
     * @generated from field: string id = 1;
     */
    id: string;
    /**
     * What the token may do.
     *
     * @generated from field: webhookd.v1.TokenRole role = 2;
     */
    role: TokenRole;
    /**
     * What it reaches: this scope and everything under it.
     *
     * @generated from field: webhookd.v1.Scope scope = 3;
     */
    scope?: Scope | undefined;
    /**
     * Free text given when it was created.
     *
     * @generated from field: string description = 4;
     */
    description: string;
    /**
     * When it was created.
     *
     * @generated from field: google.protobuf.Timestamp create_time = 5;
     */
    createTime?: Timestamp | undefined;
    /**
     * When it stops working; absent if it never expires.
     *
     * @generated from field: google.protobuf.Timestamp expire_time = 6;
     */
    expireTime?: Timestamp | undefined;
    /**
     * When it was last used, to the minute (kept coarse so that calls do not write); absent if
     * never used.
     *
     * @generated from field: google.protobuf.Timestamp last_used_time = 7;
     */
    lastUsedTime?: Timestamp | undefined;
    /**
     * When it was revoked; absent while it is not.
     *
     * @generated from field: google.protobuf.Timestamp revoke_time = 8;
     */
    revokeTime?: Timestamp | undefined;
    /**
     * The token that created it; empty for the bootstrap token and tokens made with the
     * `webhookd token create` command.
     *
     * @generated from field: string creator_token_id = 9;
     */
    creatorTokenId: string;
    /**
     * The token of a portal link (CreatePortalLink); it manages no tokens.
     *
     * @generated from field: bool portal = 10;
     */
    portal: boolean;
    /**
     * A portal link's token narrowed to one webhook: the only webhook it reaches (with its
     * history and deliveries); it then reaches no scope as a whole. Empty otherwise.
     *
     * @generated from field: string webhook_id = 11;
     */
    webhookId: string;
    /**
     * A portal link's origins whose pages may frame the page it opens; empty: none may.
     *
     * @generated from field: repeated string frame_ancestors = 12;
     */
    frameAncestors: string[];
};
/**
 * Describes the message webhookd.v1.Token.
 * Use `create(TokenSchema)` to create a new message.
 */
export declare const TokenSchema: GenMessage<Token>;
/**
 * Request of CreateToken.
 *
 * @generated from message webhookd.v1.CreateTokenRequest
 */
export type CreateTokenRequest = Message<"webhookd.v1.CreateTokenRequest"> & {
    /**
     * ADMIN or PUBLISHER.
     *
     * @generated from field: webhookd.v1.TokenRole role = 1;
     */
    role: TokenRole;
    /**
     * What the new token reaches; empty for the instance. Must be within the caller's scope.
     *
     * @generated from field: webhookd.v1.Scope scope = 2;
     */
    scope?: Scope | undefined;
    /**
     * Free text to recognise the token by, at most 256 bytes.
     *
     * @generated from field: string description = 3;
     */
    description: string;
    /**
     * When the token stops working; in the future, and no later than the caller's own
     * `expire_time`. Absent: never, or the caller's `expire_time` if the caller expires.
     *
     * @generated from field: google.protobuf.Timestamp expire_time = 4;
     */
    expireTime?: Timestamp | undefined;
};
/**
 * Describes the message webhookd.v1.CreateTokenRequest.
 * Use `create(CreateTokenRequestSchema)` to create a new message.
 */
export declare const CreateTokenRequestSchema: GenMessage<CreateTokenRequest>;
/**
 * Response of CreateToken.
 *
 * @generated from message webhookd.v1.CreateTokenResponse
 */
export type CreateTokenResponse = Message<"webhookd.v1.CreateTokenResponse"> & {
    /**
     * The token as ListTokens shows it.
     *
     * @generated from field: webhookd.v1.Token token = 1;
     */
    token?: Token | undefined;
    /**
     * The bearer value, shown only here: send it as `authorization: Bearer <bearer_token>`.
     *
     * @generated from field: string bearer_token = 2;
     */
    bearerToken: string;
};
/**
 * Describes the message webhookd.v1.CreateTokenResponse.
 * Use `create(CreateTokenResponseSchema)` to create a new message.
 */
export declare const CreateTokenResponseSchema: GenMessage<CreateTokenResponse>;
/**
 * Request of ListTokens.
 *
 * @generated from message webhookd.v1.ListTokensRequest
 */
export type ListTokensRequest = Message<"webhookd.v1.ListTokensRequest"> & {
    /**
     * Scope to list; empty for the instance. Must be within the caller's scope.
     *
     * @generated from field: webhookd.v1.Scope scope = 1;
     */
    scope?: Scope | undefined;
    /**
     * Also list tokens on the companies and projects under the scope.
     *
     * @generated from field: bool include_descendants = 2;
     */
    includeDescendants: boolean;
    /**
     * Also list revoked and expired tokens.
     *
     * @generated from field: bool show_inactive = 3;
     */
    showInactive: boolean;
    /**
     * Page size; 0 means 50, values above 500 are capped to 500.
     *
     * @generated from field: int32 page_size = 4;
     */
    pageSize: number;
    /**
     * Token from a previous response's `next_page_token`.
     *
     * @generated from field: string page_token = 5;
     */
    pageToken: string;
};
/**
 * Describes the message webhookd.v1.ListTokensRequest.
 * Use `create(ListTokensRequestSchema)` to create a new message.
 */
export declare const ListTokensRequestSchema: GenMessage<ListTokensRequest>;
/**
 * Response of ListTokens.
 *
 * @generated from message webhookd.v1.ListTokensResponse
 */
export type ListTokensResponse = Message<"webhookd.v1.ListTokensResponse"> & {
    /**
     * The page's tokens, newest first.
     *
     * @generated from field: repeated webhookd.v1.Token tokens = 1;
     */
    tokens: Token[];
    /**
     * Token for the next page; empty on the last page.
     *
     * @generated from field: string next_page_token = 2;
     */
    nextPageToken: string;
};
/**
 * Describes the message webhookd.v1.ListTokensResponse.
 * Use `create(ListTokensResponseSchema)` to create a new message.
 */
export declare const ListTokensResponseSchema: GenMessage<ListTokensResponse>;
/**
 * Request of RevokeToken.
 *
 * @generated from message webhookd.v1.RevokeTokenRequest
 */
export type RevokeTokenRequest = Message<"webhookd.v1.RevokeTokenRequest"> & {
    /**
     * Token identifier (its `id`, not its bearer value).
     *
     * @generated from field: string id = 1;
     */
    id: string;
};
/**
 * Describes the message webhookd.v1.RevokeTokenRequest.
 * Use `create(RevokeTokenRequestSchema)` to create a new message.
 */
export declare const RevokeTokenRequestSchema: GenMessage<RevokeTokenRequest>;
/**
 * Request of GetCurrentToken: the token is the one the call is authorized with.
 *
 * @generated from message webhookd.v1.GetCurrentTokenRequest
 */
export type GetCurrentTokenRequest = Message<"webhookd.v1.GetCurrentTokenRequest"> & {};
/**
 * Describes the message webhookd.v1.GetCurrentTokenRequest.
 * Use `create(GetCurrentTokenRequestSchema)` to create a new message.
 */
export declare const GetCurrentTokenRequestSchema: GenMessage<GetCurrentTokenRequest>;
/**
 * Request of CreatePortalLink.
 *
 * @generated from message webhookd.v1.CreatePortalLinkRequest
 */
export type CreatePortalLinkRequest = Message<"webhookd.v1.CreatePortalLinkRequest"> & {
    /**
     * The project the link shows (company and project both set), within the caller's scope.
     * With `webhook_id`: that webhook's own scope, or empty to take it from the webhook.
     *
     * @generated from field: webhookd.v1.Scope scope = 1;
     */
    scope?: Scope | undefined;
    /**
     * Narrows the link to this webhook (any scope's, within the caller's reach): the page
     * then shows it alone. Empty: every webhook of the project.
     *
     * @generated from field: string webhook_id = 2;
     */
    webhookId: string;
    /**
     * How long the link works, from now: at least 1 second, at most 24 hours, and no longer
     * than the caller's own token. Absent: 1 hour.
     *
     * @generated from field: google.protobuf.Duration lifetime = 3;
     */
    lifetime?: Duration | undefined;
    /**
     * Origins (`https://app.example.com`, `http://localhost:3000`; a leading `*.` in the host
     * allows its subdomains) whose pages may show the page in a frame: its
     * Content-Security-Policy `frame-ancestors`. At most 16. Empty: it cannot be framed.
     *
     * @generated from field: repeated string frame_ancestors = 4;
     */
    frameAncestors: string[];
    /**
     * Free text to recognise the link's token by in ListTokens, at most 256 bytes.
     *
     * @generated from field: string description = 5;
     */
    description: string;
};
/**
 * Describes the message webhookd.v1.CreatePortalLinkRequest.
 * Use `create(CreatePortalLinkRequestSchema)` to create a new message.
 */
export declare const CreatePortalLinkRequestSchema: GenMessage<CreatePortalLinkRequest>;
/**
 * A portal link: its token, and the page's address that carries it.
 *
 * @generated from message webhookd.v1.PortalLink
 */
export type PortalLink = Message<"webhookd.v1.PortalLink"> & {
    /**
     * The link's token as ListTokens shows it (`portal` set); its `id` is the link's id, and
     * RevokeToken with it ends the link.
     *
     * @generated from field: webhookd.v1.Token token = 1;
     */
    token?: Token | undefined;
    /**
     * The page's address, shown only here: `<public URL>/portal/<token id>#token=<bearer>`.
     * The bearer token is in the fragment, which browsers never send to a server or in a
     * referrer; the page moves it out of the address bar as it opens. The public URL is the
     * server's `--public-url`, or its listen address.
     *
     * @generated from field: string url = 2;
     */
    url: string;
};
/**
 * Describes the message webhookd.v1.PortalLink.
 * Use `create(PortalLinkSchema)` to create a new message.
 */
export declare const PortalLinkSchema: GenMessage<PortalLink>;
/**
 * What a token may do.
 *
 * @generated from enum webhookd.v1.TokenRole
 */
export declare enum TokenRole {
    /**
     * Not given: an error in CreateTokenRequest.
     *
     * @generated from enum value: TOKEN_ROLE_UNSPECIFIED = 0;
     */
    UNSPECIFIED = 0,
    /**
     * Manages webhooks and tokens, reads history.
     *
     * @generated from enum value: TOKEN_ROLE_ADMIN = 1;
     */
    ADMIN = 1,
    /**
     * Publishes events.
     *
     * @generated from enum value: TOKEN_ROLE_PUBLISHER = 2;
     */
    PUBLISHER = 2
}
/**
 * Describes the enum webhookd.v1.TokenRole.
 */
export declare const TokenRoleSchema: GenEnum<TokenRole>;
/**
 * Manages API tokens. Every call needs `authorization: Bearer <token>` of an admin token (but
 * GetCurrentToken, which any token may call), and reaches only tokens on that token's scope and below it: a token can create tokens (admin or
 * publisher) for its own scope or a narrower one, never for a broader one, and never longer-lived
 * than itself. The server keeps only a SHA-256 of each token.
 *
 * @generated from service webhookd.v1.TokenAdmin
 */
export declare const TokenAdmin: GenService<{
    /**
     * Creates a token. Its bearer value is in this response only and cannot be read again.
     *
     * @generated from rpc webhookd.v1.TokenAdmin.CreateToken
     */
    createToken: {
        methodKind: "unary";
        input: typeof CreateTokenRequestSchema;
        output: typeof CreateTokenResponseSchema;
    };
    /**
     * Lists tokens on a scope, optionally with those below it, newest first; never their
     * bearer values.
     *
     * @generated from rpc webhookd.v1.TokenAdmin.ListTokens
     */
    listTokens: {
        methodKind: "unary";
        input: typeof ListTokensRequestSchema;
        output: typeof ListTokensResponseSchema;
    };
    /**
     * Revokes a token: from the next call on, every replica answers it with UNAUTHENTICATED.
     * Revoking a revoked token returns it unchanged. Tokens it created stay valid: find them
     * by `creator_token_id` in ListTokens.
     *
     * @generated from rpc webhookd.v1.TokenAdmin.RevokeToken
     */
    revokeToken: {
        methodKind: "unary";
        input: typeof RevokeTokenRequestSchema;
        output: typeof TokenSchema;
    };
    /**
     * The calling token itself: its role, scope and lifetime. Any valid token, admin or
     * publisher, may read its own; a tool or page uses it to offer only what the token may do.
     *
     * @generated from rpc webhookd.v1.TokenAdmin.GetCurrentToken
     */
    getCurrentToken: {
        methodKind: "unary";
        input: typeof GetCurrentTokenRequestSchema;
        output: typeof TokenSchema;
    };
    /**
     * Creates a portal link: a short-lived admin token narrowed to one project, or to one
     * webhook, and the address of the admin page that opens with it, to hand to (or embed for)
     * the people who own that project's endpoints. The page opened by the link shows that scope
     * alone, without the scope picker or a way out to a wider view, and only the origins the
     * link names may frame it. The token is a `Token` like any other (`portal` set): ListTokens
     * lists it, RevokeToken ends the link at once, the audit log records both. A portal link's
     * own token manages no tokens (PERMISSION_DENIED).
     *
     * @generated from rpc webhookd.v1.TokenAdmin.CreatePortalLink
     */
    createPortalLink: {
        methodKind: "unary";
        input: typeof CreatePortalLinkRequestSchema;
        output: typeof PortalLinkSchema;
    };
}>;
