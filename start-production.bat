@echo off
rem The seed's entry point, kept as a thin wrapper: the work is done by npm run prod:start (README, "Production").
call npm run prod:start
