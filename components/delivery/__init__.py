"""Delivery: `platform:vercel` (`vercel_config`, `vercel.VercelFrontend`) and `platform:fly`
(`fly_config`, `fly.FlyApi`)."""
