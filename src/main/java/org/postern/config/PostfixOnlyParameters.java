package org.postern.config;

import java.util.Set;

/**
 * Postfix parameter names that Postern accepts but does not use, so that an existing Postfix
 * main.cf (for example Debian 12's packaged one) loads. Each one that is set gives a warning
 * rather than an error. Names come from postconf(5).
 */
public final class PostfixOnlyParameters {

    private static final Set<String> NAMES = Set.copyOf(java.util.List.of(
            // installation layout and ownership
            "readme_directory", "html_directory", "manpage_directory", "sample_directory",
            "command_directory", "daemon_directory", "meta_directory", "shlib_directory",
            "mail_owner", "setgid_group", "default_privs", "sendmail_path", "newaliases_path", "mailq_path",
            "mail_spool_directory", "process_id_directory", "multi_instance_enable",
            "multi_instance_directories", "multi_instance_name", "multi_instance_group",
            "config_directory", "alternate_config_directories", "import_environment", "export_environment",
            // local delivery
            "alias_maps", "alias_database", "mailbox_size_limit", "home_mailbox", "mailbox_command",
            "mailbox_transport", "fallback_transport", "local_transport", "luser_relay", "forward_path",
            "allow_mail_to_commands", "allow_mail_to_files", "local_destination_concurrency_limit",
            "local_destination_recipient_limit", "owner_request_special", "expand_owner_alias",
            // Postfix processes and IPC
            "default_process_limit", "max_idle", "max_use", "ipc_timeout", "ipc_idle", "ipc_ttl",
            "daemon_timeout", "service_throttle_time", "master_service_disable", "delay_logging_resolution_limit",
            "debug_peer_level", "debug_peer_list", "debugger_command", "inet_interfaces_ignore",
            "in_flow_delay", "qmgr_message_active_limit", "qmgr_message_recipient_limit",
            "default_database_type", "default_cache_db_type", "postlog_service_name", "maillog_file_prefixes",
            "message_strip_characters", "always_bcc", "sender_bcc_maps", "recipient_bcc_maps",
            "canonical_maps", "sender_canonical_maps", "recipient_canonical_maps", "masquerade_domains",
            "header_checks", "body_checks", "mime_header_checks", "nested_header_checks",
            "smtp_header_checks", "smtp_body_checks", "relocated_maps", "fast_flush_domains",
            "enable_long_queue_ids", "enable_original_recipient",
            "smtpd_tls_dh1024_param_file", "smtpd_tls_dh512_param_file", "smtpd_tls_eecdh_grade",
            "tls_random_source", "tls_preempt_cipherlist", "tls_ssl_options", "tls_medium_cipherlist",
            "tls_high_cipherlist", "smtpd_tls_ciphers", "smtpd_tls_mandatory_ciphers",
            "smtpd_tls_exclude_ciphers", "smtpd_tls_mandatory_exclude_ciphers", "smtpd_tls_session_cache_database",
            "smtpd_tls_session_cache_timeout",
            "smtp_tls_session_cache_database", "smtp_tls_loglevel", "smtp_tls_ciphers", "smtp_tls_protocols",
            "smtp_tls_mandatory_protocols", "smtp_tls_mandatory_ciphers", "smtp_tls_note_starttls_offer",
            "smtp_use_tls", "smtpd_use_tls", "smtpd_enforce_tls",
            "cyrus_sasl_config_path", "smtpd_sasl_application_name", "smtpd_sasl_service",
            "smtpd_tls_session_cache_timeout", "lmtp_tls_CApath", "lmtp_tls_CAfile",
            // milters (Postern checks SPF, DKIM and DMARC itself)
            "milter_protocol", "milter_default_action", "milter_macro_daemon_name", "milter_mail_macros",
            "milter_connect_macros", "milter_rcpt_macros", "milter_end_of_data_macros",
            "smtpd_milters", "non_smtpd_milters", "milter_header_checks", "milter_command_timeout",
            "milter_connect_timeout", "milter_content_timeout",
            // postscreen
            "postscreen_access_list", "postscreen_blacklist_action", "postscreen_denylist_action",
            "postscreen_dnsbl_sites", "postscreen_dnsbl_threshold", "postscreen_dnsbl_action",
            "postscreen_dnsbl_allowlist_threshold", "postscreen_dnsbl_whitelist_threshold",
            "postscreen_greet_action", "postscreen_greet_wait", "postscreen_greet_banner",
            "postscreen_pipelining_enable", "postscreen_pipelining_action", "postscreen_non_smtp_command_enable",
            "postscreen_non_smtp_command_action", "postscreen_bare_newline_enable",
            "postscreen_bare_newline_action", "postscreen_cache_map", "postscreen_cache_retention_time",
            "postscreen_dnsbl_reply_map", "postscreen_upstream_proxy_protocol",
            // other daemons
            "policy_time_limit", "policyd-spf_time_limit", "content_filter", "receive_override_options",
            "smtpd_proxy_filter", "smtpd_proxy_timeout", "smtpd_upstream_proxy_protocol",
            "smtpd_upstream_proxy_timeout", "virtual_minimum_uid", "virtual_uid_maps", "virtual_gid_maps",
            "virtual_mailbox_lock", "disable_dns_lookups", "smtp_dns_support_level",
            "smtp_host_lookup", "lmtp_host_lookup"));

    private PostfixOnlyParameters() {
    }

    public static boolean contains(String name) {
        return NAMES.contains(name);
    }

    public static Set<String> names() {
        return NAMES;
    }
}
