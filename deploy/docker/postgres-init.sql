-- Runs once, on the postgres container's first boot (empty data volume), via psql from
-- /docker-entrypoint-initdb.d. Creates the database the services share; each service then owns
-- one schema in it, created by its own migrations.
SELECT 'CREATE DATABASE omni'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'omni')\gexec
